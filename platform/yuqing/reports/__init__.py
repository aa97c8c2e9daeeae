"""Reports: official-document PDFs rendered from plain data (see ARCHITECTURE.md §7).

``render`` turns a template and a dict into HTML and then PDF, fetching nothing from outside;
``pdfcheck`` verifies the result (embedded CJK glyphs, qpdf, PDF/A claim, attachments).
"""

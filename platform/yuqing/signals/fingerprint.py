"""Near-duplicate detection for posts: normalised character 3-grams, a bottom-k sketch, and
the Jaccard similarity it estimates.

Reposts and lightly edited copies of a story share most of their 3-grams once repost
decorations (「转发」, ``//@网友:``), links, mentions, punctuation and white space are removed.
Chinese has no word boundaries, so character shingles work where word shingles would need a
segmenter.

The sketch keeps the ``SKETCH_SIZE`` smallest shingle hashes (a bottom-k MinHash): one hash
per shingle instead of one per shingle and permutation, and for posts shorter than
``SKETCH_SIZE`` shingles the sketch *is* the shingle set, so the similarity is exact.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

SHINGLE = 3
SKETCH_SIZE = 128
#: A post joins an open incident when its estimated Jaccard similarity with the incident's
#: story reaches this. 0.6 keeps a repost with a short comment (≈0.9) and a copy with a few
#: words changed (≈0.7) together, while two posts about different matters in the same place
#: (sharing names and places only) stay well below (≈0.1–0.3).
DUPLICATE_THRESHOLD = 0.6

_HASH_MASK = (1 << 53) - 1  # stays exact in JSON and JavaScript

_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_REPOST_CHAIN_RE = re.compile(r"//\s*@[^:：\s]{1,40}\s*[:：]")
_REPOST_PREFIX_RE = re.compile(
    r"^\s*(?:转发微博|转发|转载|转|repost|rt)\s*[:：]?\s*", re.IGNORECASE
)
_MENTION_RE = re.compile(r"@[\w\-]{1,40}")


def normalize_text(text: str | None) -> str:
    """The text a story is compared by: decorations, links and punctuation removed."""
    if not text:
        return ""
    # NFKC folds full-width letters, digits and punctuation into their ordinary forms.
    text = unicodedata.normalize("NFKC", text)
    text = _URL_RE.sub(" ", text)
    text = _REPOST_CHAIN_RE.sub(" ", text)
    previous = None
    while previous != text:
        previous = text
        text = _REPOST_PREFIX_RE.sub("", text)
    text = _MENTION_RE.sub(" ", text)
    text = text.lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def shingles(text: str | None) -> set[str]:
    normalized = normalize_text(text)
    if len(normalized) < SHINGLE:
        return {normalized} if normalized else set()
    return {normalized[i : i + SHINGLE] for i in range(len(normalized) - SHINGLE + 1)}


def _hash(shingle: str) -> int:
    digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & _HASH_MASK


def sketch(text: str | None) -> list[int]:
    """The bottom-k sketch of a text, sorted ascending (stored as JSON)."""
    return sorted({_hash(s) for s in shingles(text)})[:SKETCH_SIZE]


def similarity(a: list[int] | None, b: list[int] | None) -> float:
    """Estimated Jaccard similarity of the texts behind two sketches (0.0–1.0)."""
    if not a or not b:
        return 0.0
    set_a, set_b = set(a), set(b)
    union_bottom = sorted(set_a | set_b)[:SKETCH_SIZE]
    both = sum(1 for h in union_bottom if h in set_a and h in set_b)
    return both / len(union_bottom)


def story_text(title: str | None, content: str | None) -> str:
    """What is fingerprinted: the content, or the title when a post has no body."""
    return content if content and content.strip() else (title or "")

"""WSGI entry point for gunicorn: ``gunicorn yuqing.wsgi:app``."""

from yuqing.app import create_app

app = create_app()

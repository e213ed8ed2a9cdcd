"""Rules of this checklist area; one module per rule."""

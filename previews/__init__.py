"""Shareable preview links: a draft shown to someone without an account, by a secret URL."""

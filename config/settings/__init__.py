"""Settings split by purpose: base (shared), local (make run), test, production."""

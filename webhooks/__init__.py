"""Webhooks: editors register endpoints; post events are delivered, signed, with retries."""

"""The write gateway: authenticate a caller's organisation, pre-flight its write, keep it in the outbox, submit it."""

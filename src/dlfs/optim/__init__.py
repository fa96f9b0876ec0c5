"""``dlfs.optim`` mirrors ``torch.optim`` (to be written)."""

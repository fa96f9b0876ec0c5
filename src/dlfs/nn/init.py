"""Parameter initialization, mirroring torch.nn.init (to be written)."""

"""The SDK docstring corpus: W&B's own code examples, read from the installed `wandb` package at test time."""

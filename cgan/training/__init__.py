"""Training: flags, the loop with its hooks, losses, EMA, run folders, checkpoints and the runtime around them."""

# exercises the API documented at: https://docs.wandb.ai/ja/ref/python/data-types/image/
# wandb.Image from numpy arrays with a caption each; a list of images logged under one key.
import numpy as np

import nbtrack as wandb

rng = np.random.default_rng(7)
with wandb.init() as run:
    tiles = [wandb.Image(rng.integers(0, 256, (32, 48, 3), dtype=np.uint8), caption=f"tile #{k}") for k in range(4)]
    run.log({"tiles": tiles})

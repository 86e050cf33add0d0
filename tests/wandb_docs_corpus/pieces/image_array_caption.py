# exercises the API documented at: https://docs.wandb.ai/models/track/log/media
# One wandb.Image(array, caption=) logged with run.log.
import numpy as np

import nbtrack as wandb

gradient = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (40, 1))
with wandb.init(project="corpus-image") as run:
    run.log({"ramp": wandb.Image(gradient, caption="horizontal ramp")})

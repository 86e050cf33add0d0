"""`wandb.apis.public.files`: a run's files (`Api().run(path).files()`)."""

from ..._api_objects import ApiFile as File
from ..._api_objects import Files

__all__ = ["File", "Files"]

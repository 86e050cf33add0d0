"""`wandb.apis.public`: W&B's public read API at its module path; see nbtrack/_api.py."""

from ..._api import Api, ApiRun, ApiSweep
from ..._api_objects import ApiArtifactCollection, ApiFile, ApiProject, Files

Run, Sweep, File, Project, ArtifactCollection = ApiRun, ApiSweep, ApiFile, ApiProject, ApiArtifactCollection

__all__ = ["Api", "ArtifactCollection", "File", "Files", "Project", "Run", "Sweep"]

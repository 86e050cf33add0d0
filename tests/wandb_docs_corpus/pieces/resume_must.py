# exercises the API documented at: https://docs.wandb.ai/models/support/resume_parameter
# init(id=, resume="must") continues a run that already exists, here one this script started first.
import nbtrack as wandb

first = wandb.init(project="corpus-resume", id="resume-demo-1")
first.log({"loss": 1.5})
first.finish()

again = wandb.init(project="corpus-resume", id="resume-demo-1", resume="must")
again.log({"loss": 1.1})
again.finish()

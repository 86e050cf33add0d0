"""A tiny DDP training script for tests/test_distributed.py, launched by torchrun with 2 processes (gloo, CPU).

Three phases, each opening nbtrack the way the phase's name says: the default (rank 0 only),
one run per rank grouped, and W&B's shared mode (rank 0's run gets rank 1's system metrics).
"""

import sys

import torch
import torch.distributed as dist

import nbtrack

phase = sys.argv[1]
dist.init_process_group("gloo")
rank = dist.get_rank()
model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
torch.manual_seed(rank)

if phase == "default":
    run = nbtrack.init(project="ddp", config={"lr": 0.1})
    run2 = nbtrack.init(project="ddp", config={"lr": 0.1})  # a second init warns no more
    run = run2
elif phase == "group":
    run = nbtrack.init(project="ddp", group="exp-1", config={"lr": 0.1})
else:
    box = [None]
    if rank == 0:
        run = nbtrack.init(project="ddp", name="shared", settings={"mode": "shared", "_stats_sample_rate_seconds": 0.2})
        box = [run.id]
    dist.broadcast_object_list(box, src=0)
    if rank != 0:
        run = nbtrack.init(project="ddp", id=box[0], settings={"mode": "shared", "_stats_sample_rate_seconds": 0.2})
for step in range(5):
    x = torch.randn(8, 4)
    loss = model(x).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    run.log({"loss": loss.item(), "rank": rank})
dist.barrier()
run.finish()
dist.barrier()
print(f"RANK {rank} RUN {run.id} DISABLED {run.store.url == 'sqlite:///:memory:'}", flush=True)
dist.destroy_process_group()

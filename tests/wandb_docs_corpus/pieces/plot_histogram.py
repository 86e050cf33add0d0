# exercises the API documented at: https://docs.wandb.ai/ref/python/sdk/custom-charts/histogram
# wandb.plot.histogram(table, value=, title=) over one numeric column of a Table.
import nbtrack as wandb

rows = [[i, ((i * 37) % 101) / 10] for i in range(80)]
lengths = wandb.Table(data=rows, columns=["sample", "length"])
chart = wandb.plot.histogram(lengths, value="length", title="Sequence lengths")
with wandb.init(project="corpus-histogram") as run:
    run.log({"length_hist": chart})

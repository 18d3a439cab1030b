#!/usr/bin/env python3
"""A gradscope run as a PyTorch project, written by `gradscope export --config {{config}}`.

The same model (its state_dict names are gradscope's), the same initial weights
(init.safetensors), the same data (data.safetensors: the splits gradscope generated) in the same
batches in the same order (gradscope's seeded batcher, ported in gradscope_data.py), and the same
loss, optimizer and clipping as `gradscope train`. From any directory:

    python3 train.py [--steps N] [--out RUN] [--device cpu|cuda]
    torchrun --standalone --nproc_per_node N train.py [...]   # DistributedDataParallel

writes RUN/metrics.jsonl (gradscope's format: open it in the lab with "Open run...") every
LOG_EVERY steps and RUN/model.safetensors (a gradscope checkpoint). RUN defaults to ./run beside
this file. Under torchrun every rank draws the same global batch and trains on its share of it;
rank 0 logs. See README.md for what differs under DDP.
"""
import argparse
import contextlib
import json
import math
import os
import sys

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gradscope_data import Batcher, load_data, read_safetensors, write_safetensors  # noqa: E402
{{imports}}
from gradscope_torch import Recorder, batch_accuracy  # noqa: E402

{{constants}}


{{model}}


{{loss}}


{{optimizer}}


{{clip}}


def setup(device_name):
    """(rank, world size, device); joins the process group when started by torchrun."""
    world = int(os.environ.get('WORLD_SIZE', '1'))
    rank = int(os.environ.get('RANK', '0'))
    cuda = torch.cuda.is_available() if device_name is None else device_name == 'cuda'
    device = torch.device('cuda', int(os.environ.get('LOCAL_RANK', '0'))) if cuda else torch.device('cpu')
    if world > 1:
        if world > BATCH_SIZE:
            sys.exit(f'train.py: {world} processes for a batch of {BATCH_SIZE}: every rank needs a share of the batch')
        dist.init_process_group('nccl' if cuda else 'gloo')
    if cuda:
        torch.cuda.set_device(device)
    return rank, world, device


def global_sum(value, world, device):
    """Σ over ranks (the value itself in a single process)."""
    if world == 1:
        return float(value)
    t = torch.tensor([float(value)], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return float(t[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=STEPS)
    parser.add_argument('--out', default=os.path.join(HERE, 'run'))
    parser.add_argument('--device', choices=['cpu', 'cuda'], default=None, help='default: cuda when available')
    args = parser.parse_args()
    rank, world, device = setup(args.device)
    torch.manual_seed(SEED + rank)  # dropout masks: PyTorch draws its own

    model = Model()
    model.load_state_dict(read_safetensors(os.path.join(HERE, 'init.safetensors'))[0])
    if world > 1 and device.type == 'cuda':
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)  # batch statistics over the global batch
    model.to(device)
    net = DistributedDataParallel(model, device_ids=[device.index] if device.type == 'cuda' else None) if world > 1 else model
    optimizer = make_optimizer(model.parameters())

    data = load_data(os.path.join(HERE, 'data.safetensors'), device)
    train = data['train']
    batcher = Batcher(len(train['x']), BATCH_SIZE, SEED)
    share = slice(rank * BATCH_SIZE // world, (rank + 1) * BATCH_SIZE // world)  # this rank's rows of each batch
    rows = share.stop - share.start
    recorder = Recorder(model, os.path.join(args.out, 'metrics.jsonl'), LOG_EVERY, classes=data['classes']) if rank == 0 else None

    stopped, step = None, 0
    for step in range(1, args.steps + 1):
        idx = torch.tensor(batcher.next()[share], device=device)
        x, y = train['x'][idx], train['y'][idx]
        with recorder.step(step) if recorder else contextlib.nullcontext():
            optimizer.zero_grad(set_to_none=True)
            logits = net(x)
            # DDP averages gradients over ranks: weighting each rank's mean by its share of the
            # batch makes that average the gradient of the global batch's mean loss.
            loss = loss_fn(logits, y) * (rows * world / BATCH_SIZE)
            loss.backward()
            if step == 1 or step % LOG_EVERY == 0:  # every rank joins the sums
                batch_loss = global_sum(loss.item() / world, world, device)
                correct = global_sum(batch_accuracy(logits, train['labels'][idx]) * rows, world, device) if data['classes'] else None
                if recorder:
                    recorder.gradients(loss, loss_value=batch_loss, accuracy=None if correct is None else correct / BATCH_SIZE)
            grad_norm = float(clip_gradients(model.parameters()))
            if not math.isfinite(grad_norm):  # gradscope's guard: no update, training stops
                stopped = step
            else:
                optimizer.step()
        if stopped:
            break

    if rank == 0:
        if stopped:
            print(f'train.py: training stopped at step {stopped}: non-finite gradients; parameters are those from before that step', file=sys.stderr)
        evaluate(model, data['test'], data['classes'])
        spec = open(os.path.join(HERE, 'run.json')).read()
        metadata = {'format': 'gradscope', 'spec': json.dumps(json.loads(spec)), 'step': step - (1 if stopped else 0)}
        write_safetensors(os.path.join(args.out, 'model.safetensors'), model.state_dict(), metadata)
        print(f'wrote {os.path.join(args.out, "metrics.jsonl")} and model.safetensors')
    if world > 1:
        dist.barrier()  # the other ranks wait for rank 0's evaluation and files, then all leave together
        dist.destroy_process_group()
    return 3 if stopped else 0


@torch.no_grad()
def evaluate(model, test, classes, limit=8192):
    """Loss and accuracy on the first `limit` held-out rows, in eval mode (as gradscope)."""
    model.eval()
    logits = model(test['x'][:limit])
    acc = batch_accuracy(logits, test['labels'][:limit]) if classes else None
    print(f'held-out loss {loss_fn(logits, test["y"][:limit]).item():.4f}' + (f', accuracy {100 * acc:.1f}%' if acc is not None else ''))
    model.train()


if __name__ == '__main__':
    sys.exit(main())

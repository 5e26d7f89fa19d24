"""Hand-written support code of module 07 (training), not taught: the conveniences around the loop.

Module 07 teaches mini-batches, clipping, accuracy, train_epoch / evaluate, early stopping and checkpoints;
this file holds what they use but the module does not teach: argument checks, the text progress bar, the
per-epoch tallies, `History`, the .npz packing of nested state (`_pack` / `_unpack`), the `TrainerBase`
loop (module 07's `Trainer` subclasses it and binds the module's functions) and `plot_history`.
It imports nothing of module 07, so the package has no import cycle.
"""
import json
import math
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tinytorch.core.tensor import Generator, Tensor, default_generator, write_atomic

__all__ = ["ProgressBar", "History", "TrainerBase", "plot_history", "generator_state", "set_generator_state"]


def _as_array(data, what):
    """An ndarray from a Tensor or array-like, with a message naming `what` when that fails."""
    if isinstance(data, Tensor):
        return data._data
    try:
        array = np.asarray(data)
    except Exception as exc:
        raise TypeError(f"{what} must be a Tensor or an array, got {type(data).__name__}: {exc}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold numbers, got dtype {array.dtype}")
    return array


def _vector_norm(array, p):
    """The p-norm of all entries of `array` (p > 0 or inf), in float64."""
    a = np.abs(np.asarray(array, dtype=np.float64)).ravel()
    if a.size == 0:
        return 0.0
    if p == math.inf:
        return float(a.max())
    if p == 1.0:
        return float(a.sum())
    if p == 2.0:
        return float(np.sqrt(np.dot(a, a)))
    return float(np.sum(a ** p) ** (1.0 / p))


def _norm_type(norm_type):
    """norm_type as a float > 0 (inf allowed, also written 'inf')."""
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"norm_type must be a number > 0 or inf, got {norm_type!r}") from None
    if not p > 0:
        raise ValueError(f"norm_type must be > 0 (or inf), got {norm_type!r}")
    return p


class ProgressBar:
    """A one-line text progress bar; it draws only when `live` (default: the stream is a terminal)."""

    def __init__(self, total=None, desc="", width=24, stream=None, live=None):
        self.total, self.desc, self.width = total, desc, width
        self.stream = stream if stream is not None else sys.stdout
        is_tty = getattr(self.stream, "isatty", None)
        self.live = bool(is_tty and is_tty()) if live is None else bool(live)
        self.count, self.info, self._last_draw = 0, {}, 0.0

    def render(self):
        """The bar as text: `desc [####----] count/total key=value ...`.

        With a total: `width` characters between the brackets, `int(width * count / total)` of them `#`
        (never more than `width`), the rest `-`, then `count/total`. Without a total: `N batches`.
        Each info item prints as `key=value`, floats with 4 decimals. Empty parts (no desc, no info)
        are left out, and the parts are joined by single spaces.
        """
        if self.total:
            filled = min(self.width, int(self.width * self.count / self.total))
            bar = f"[{'#' * filled}{'-' * (self.width - filled)}] {self.count}/{self.total}"
        else:
            bar = f"{self.count} batches"
        extra = " ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}" for k, v in self.info.items())
        return " ".join(part for part in (self.desc, bar, extra) if part)

    def update(self, n=1, **info):
        """Advance by `n` steps and remember `info` (e.g. loss=0.25) for the display."""
        self.count += n
        self.info.update(info)
        now = time.perf_counter()
        if self.live and (now - self._last_draw > 0.1 or self.count == self.total):
            self.stream.write("\r" + self.render())
            self.stream.flush()
            self._last_draw = now

    def close(self):
        """Erase the bar (when live), so the caller's summary line takes its place."""
        if self.live:
            self.stream.write("\r" + " " * len(self.render()) + "\r")
            self.stream.flush()


def _tally(totals, output, y, loss_value):
    """Add one batch to `totals`: loss x batch size, and correct predictions when it is a classification."""
    n = len(y)
    totals["samples"] += n
    totals["batches"] += 1
    totals["loss_sum"] += loss_value * n
    scores, labels = output._data, y._data
    if scores.ndim == 2 and scores.shape[1] > 1 and labels.ndim == 1 and labels.dtype.kind in "iu":
        totals["correct"] += int(np.sum(np.argmax(scores, axis=1) == labels))
        totals["counted"] += n


def _summary(totals):
    samples = totals["samples"]
    return {
        "loss": totals["loss_sum"] / samples if samples else float("nan"),
        "accuracy": totals["correct"] / totals["counted"] if totals["counted"] else None,
        "samples": samples,
        "batches": totals["batches"],
    }


def _new_totals():
    return {"samples": 0, "batches": 0, "loss_sum": 0.0, "correct": 0, "counted": 0}


def _check_batches(batches, where):
    """Refuse, with a clear message, `batches` that cannot be iterated (None, a number, ...)."""
    # Asked of the type, never by calling iter(): a shuffled DataLoader draws its epoch order in iter().
    if not (hasattr(type(batches), "__iter__") or hasattr(type(batches), "__getitem__")):
        raise TypeError(f"{where}: batches must be an iterable of (x, y) pairs (a list, minibatches(X, y, 32) "
                        f"or a DataLoader), got {type(batches).__name__}")


def _batch_tensors(batch):
    if isinstance(batch, (Tensor, np.ndarray)):
        raise TypeError(f"each batch must be a pair (x, y), got a single {type(batch).__name__} of shape "
                        f"{tuple(batch.shape)}: iterate over (inputs, targets) pairs, e.g. minibatches(X, y, 32)")
    try:
        x, y = batch
    except (TypeError, ValueError):
        raise TypeError(f"each batch must be a pair (x, y), got {type(batch).__name__}") from None
    return (x if isinstance(x, Tensor) else Tensor(_as_array(x, "x"))), (y if isinstance(y, Tensor) else Tensor(_as_array(y, "y")))


class History:
    """One dict per epoch; `history[name]` is a column, `len(history)` the number of epochs logged."""

    def __init__(self):
        self.rows = []

    def log(self, **values):
        """Append one epoch's values (numbers or None)."""
        self.rows.append(dict(values))

    def __getitem__(self, name):
        if not any(name in row for row in self.rows):
            known = sorted({key for row in self.rows for key in row})
            raise KeyError(f"history has no column {name!r}; it has {known}")
        return [row.get(name) for row in self.rows]

    def __len__(self):
        return len(self.rows)

    def columns(self):
        """Column names in the order they first appear."""
        names = []
        for row in self.rows:
            names += [key for key in row if key not in names]
        return names

    def table(self, names=None):
        """The history as an aligned text table."""
        names = names or self.columns()

        def cell(value):
            if value is None:
                return "-"
            if isinstance(value, float):
                return f"{value:.4f}"
            return str(value)
        rows = [[cell(row.get(n)) for n in names] for row in self.rows]
        widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
        lines = ["  ".join(n.rjust(w) for n, w in zip(names, widths))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in rows]
        return "\n".join(lines)

    def state_dict(self):
        return {"rows": [dict(row) for row in self.rows]}

    def load_state_dict(self, state):
        self.rows = [dict(row) for row in state["rows"]]


def _monitored_number(value, monitor):
    """The monitored value as a float: a number, or a 0-d Tensor/array such as a loss."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "biuf":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"EarlyStopping.step expects the monitored number ({monitor!r}, e.g. 0.42), got "
                        f"{type(value).__name__} {value!r}")
    return float(value)


CHECKPOINT_FORMAT = "tinytorch-training-checkpoint"
CHECKPOINT_VERSION = 1
_META = "__meta__"


def _pack(obj, arrays, path):
    """JSON-ready copy of `obj`; each array goes into `arrays` under `path` and is replaced by a reference."""
    if isinstance(obj, Tensor):
        obj = obj._data
    if isinstance(obj, (np.ndarray, np.generic)):
        array = np.array(obj)                       # a copy, so later training does not change the checkpoint
        if array.dtype.kind not in "biuf":
            raise TypeError(f"cannot checkpoint '{path}': dtype {array.dtype} is not numeric")
        arrays[path] = array
        return {"__scalar__" if isinstance(obj, np.generic) else "__array__": path}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, dict):
        pairs = []
        for key, value in obj.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise TypeError(f"cannot checkpoint '{path}': dict key {key!r} is not a str or int")
            pairs.append([key, _pack(value, arrays, f"{path}/{key}")])
        return {"__dict__": pairs}
    if isinstance(obj, tuple):
        return {"__tuple__": [_pack(v, arrays, f"{path}/{i}") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_pack(v, arrays, f"{path}/{i}") for i, v in enumerate(obj)]
    raise TypeError(f"cannot checkpoint '{path}': a {type(obj).__name__} is not numbers, arrays, str, "
                    "None, or dicts/lists/tuples of them")


def _unpack(obj, arrays):
    """Rebuild what _pack described, taking the arrays from `arrays`."""
    if isinstance(obj, list):
        return [_unpack(v, arrays) for v in obj]
    if isinstance(obj, dict):
        if "__array__" in obj:
            return arrays[obj["__array__"]]
        if "__scalar__" in obj:                     # a NumPy scalar such as np.float32(0.5) comes back as one
            return arrays[obj["__scalar__"]][()]
        if "__tuple__" in obj:
            return tuple(_unpack(v, arrays) for v in obj["__tuple__"])
        return {key: _unpack(value, arrays) for key, value in obj["__dict__"]}
    return obj


def _write_atomic(path, write):
    """Call write(file object) on a temporary file beside `path`, then rename it to `path`."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write {path}: folder {path.parent} does not exist")
    return Path(write_atomic(path, write))


def generator_state(generator):
    """The state of a tinytorch Generator (its NumPy bit generator's state dict)."""
    return generator.rng.bit_generator.state


def set_generator_state(generator, state):
    generator.rng.bit_generator.state = state


def _read_checkpoint(path):
    """(meta dict, arrays dict) of a training checkpoint, with errors that say what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    with open(path, "rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            raise ValueError(f"{path} is not an .npz checkpoint (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except ValueError as exc:
        raise ValueError(f"checkpoint {path}: an entry needs pickle to load, which TinyTorch never uses ({exc})") from None
    except Exception as exc:
        raise ValueError(f"checkpoint {path} is damaged: {type(exc).__name__}: {exc} (save it again)") from None
    if _META not in arrays:
        raise ValueError(f"{path} is not a training checkpoint (no {_META} entry); a model saved with "
                         "Module.save() loads with model.load(path)")
    meta = json.loads(arrays.pop(_META).tobytes().decode("utf-8"))
    if meta.get("format") != CHECKPOINT_FORMAT or meta.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"{path}: unknown checkpoint format {meta.get('format')!r} version {meta.get('version')!r}")
    return meta, arrays


def _fmt(value, kind):
    if value is None:
        return "-"
    return f"{value:.1%}" if kind == "acc" else f"{value:.4f}"


class TrainerBase:
    """A training run: model, loss, optimiser and their companions; `fit`, `save`, `load`.

    The loop's pieces are the subclass's: module 07's `Trainer` binds its own `train_epoch`, `evaluate`,
    `minibatches`, `save_checkpoint` and `load_checkpoint` as static methods.
    """

    train_epoch = evaluate = minibatches = save_checkpoint = load_checkpoint = None

    def __init__(self, model, loss_fn, optimizer, *, scheduler=None, batch_size=32, max_grad_norm=None,
                 early_stopping=None, seed=0, log=print):
        if not callable(model) or not hasattr(model, "parameters"):
            raise TypeError(f"Trainer: model must be a Module (callable, with parameters()), got {type(model).__name__}")
        if not callable(loss_fn):
            raise TypeError(f"Trainer: loss_fn must be callable, e.g. CrossEntropyLoss(), got {type(loss_fn).__name__}")
        if not (hasattr(optimizer, "step") and hasattr(optimizer, "zero_grad")):
            raise TypeError(f"Trainer: optimizer must be an optimizer such as SGD(model.parameters(), lr=0.1), "
                            f"got {type(optimizer).__name__}")
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self.batch_size, self.max_grad_norm, self.early_stopping = batch_size, max_grad_norm, early_stopping
        self.generator = Generator(seed)             # the shuffle order of the training data
        self.log = log
        self.history = History()
        self.epoch = 0

    def _batches(self, data, shuffle):
        if isinstance(data, tuple) and len(data) == 2:
            return self.minibatches(data[0], data[1], self.batch_size, shuffle=shuffle, generator=self.generator)
        _check_batches(data, "Trainer.fit")
        if isinstance(data, Iterator):
            raise TypeError("data must be a pair (X, y) of arrays or an iterable of batches that can be iterated "
                            "again each epoch (a list or a DataLoader), not a one-shot iterator or generator")
        return data

    def fit(self, train_data, epochs, val_data=None):
        """Train until epoch `epochs` (counting epochs already done); return the History."""
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
        stopper = self.early_stopping
        if stopper is not None and stopper.monitor.startswith("val_") and val_data is None:
            raise ValueError(f"early stopping monitors {stopper.monitor!r}, which needs val_data")
        while self.epoch < epochs and not (stopper is not None and stopper.should_stop):
            epoch = self.epoch + 1
            batches = self._batches(train_data, shuffle=True)
            if isinstance(train_data, tuple):
                total = math.ceil(len(train_data[1]) / self.batch_size)
            else:
                total = len(batches) if hasattr(batches, "__len__") else None
            bar = ProgressBar(total, desc=f"epoch {epoch}/{epochs}")
            lr = float(self.optimizer.param_groups[0]["lr"])
            train = self.train_epoch(self.model, batches, self.loss_fn, self.optimizer, self.max_grad_norm, bar)
            bar.close()
            val = self.evaluate(self.model, self._batches(val_data, shuffle=False), self.loss_fn) if val_data is not None else {}
            row = {"epoch": epoch, "train_loss": train["loss"], "train_accuracy": train["accuracy"],
                   "val_loss": val.get("loss"), "val_accuracy": val.get("accuracy"), "lr": lr,
                   "seconds": train["seconds"], "forward_s": train["forward_s"], "backward_s": train["backward_s"],
                   "step_s": train["step_s"]}
            self.history.log(**row)
            self.epoch = epoch
            if self.scheduler is not None:
                self.scheduler.step()
            stop = False
            if stopper is not None:
                if row.get(stopper.monitor) is None:
                    logged = sorted(key for key, value in row.items() if value is not None)
                    raise ValueError(f"early stopping monitors {stopper.monitor!r}, which this run does not "
                                     f"produce; the columns with values are {logged}")
                stop = stopper.step(row[stopper.monitor])
            if self.log is not None:
                self.log(f"epoch {epoch:3d}/{epochs}  train loss {_fmt(row['train_loss'], 'loss')} "
                         f"acc {_fmt(row['train_accuracy'], 'acc')}  val loss {_fmt(row['val_loss'], 'loss')} "
                         f"acc {_fmt(row['val_accuracy'], 'acc')}  lr {lr:.2e}  {train['seconds']:.2f}s "
                         f"(forward {train['forward_s']:.2f} backward {train['backward_s']:.2f} "
                         f"step {train['step_s']:.2f})")
                if stop:
                    self.log(f"early stopping: {stopper.monitor} has not improved by {stopper.min_delta} for "
                             f"{stopper.patience} epoch(s); best {stopper.best:.4f}")
        return self.history

    def save(self, path):
        """Checkpoint every part of the run (see save_checkpoint)."""
        return self.save_checkpoint(path, self.model, self.optimizer, epoch=self.epoch, scheduler=self.scheduler,
                               history=self.history, early_stopping=self.early_stopping, generator=self.generator)

    def load(self, path):
        """Restore a checkpoint written by save(); training continues at the saved epoch + 1."""
        info = self.load_checkpoint(path, self.model, self.optimizer, scheduler=self.scheduler, history=self.history,
                               early_stopping=self.early_stopping, generator=self.generator)
        self.epoch = info["epoch"]
        return info


def _curve_points(epochs, values):
    """The (epoch, value) pairs of one curve, skipping epochs whose value is None (e.g. no validation)."""
    return [(e, v) for e, v in zip(epochs, values) if v is not None]


def plot_history(history, path, title="training curves"):
    """Save loss and accuracy curves as a PNG (matplotlib) or, without matplotlib, a .txt table."""
    if not isinstance(history, History):
        raise TypeError(f"plot_history expects a History (trainer.history), got {type(history).__name__}")
    path = Path(path)
    if len(history) == 0:
        raise ValueError("the history is empty: train at least one epoch before plotting")
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        text_path = path.with_suffix(".txt")
        table = history.table()
        return _write_atomic(text_path, lambda fh: fh.write((title + "\n" + table + "\n").encode("utf-8")))
    fig = Figure(figsize=(10, 4))
    FigureCanvasAgg(fig)
    epochs = history["epoch"]
    panels = (("loss", ("train_loss", "val_loss")), ("accuracy", ("train_accuracy", "val_accuracy")))
    for ax, (label, names) in zip(fig.subplots(1, 2), panels):
        for name in names:
            values = history[name] if name in history.columns() else []
            points = _curve_points(epochs, values)
            if points:
                ax.plot(*zip(*points), marker="o", markersize=3, label=name.replace("_", " "))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return _write_atomic(path, lambda fh: fig.savefig(fh, format="png", dpi=100))

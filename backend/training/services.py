"""Checking a layer stack, starting its training within the limits and the owner's quota, and
turning the trained network into a private Network that Explore opens with its epoch slider.

The web process checks (pure arithmetic, worker/techniques/training/recipe.py) and queues; the
worker trains (worker/techniques/training/train.py) into the network's own folder under
MEDIA_ROOT, keeping every epoch's weights, and registers the result the way the zoo's
networks are registered (layers described, weights exported for the trained network and every
checkpoint)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from backend.core import media
from backend.datasets.models import Dataset
from backend.jobs import costs
from backend.jobs import services as jobs
from backend.jobs.models import FINISHED_STATUSES, JobKind
from backend.networks.models import Network, NetworkSource
from backend.training.models import TrainingRun
from worker.runtime import cost
from worker.techniques.training import recipe

TASK = "training.run_training"
MIN_IMAGES = 100
DEFAULT_IMAGES = 10_000
MAX_EPOCHS = 50
SCALE = 1 / 255  # pixels to 0..1, as the zoo's networks take them


class RequestInvalid(ValueError):
    """A request that cannot be trained as asked (answered 400 with this sentence)."""


class QuotaExceeded(ValueError):
    """The owner has used their networks or training time (answered 403 with this sentence)."""


def networks_per_user() -> int:
    return int(getattr(settings, "CONVSCOPE_TRAINING_NETWORKS_PER_USER", 5))


def seconds_per_user() -> float:
    return float(getattr(settings, "CONVSCOPE_TRAINING_SECONDS_PER_USER", 3600))


def limits() -> recipe.Limits:
    return recipe.Limits(
        max_layers=int(getattr(settings, "CONVSCOPE_TRAINING_MAX_LAYERS", recipe.MAX_LAYERS)),
        max_params=int(getattr(settings, "CONVSCOPE_TRAINING_MAX_PARAMS", recipe.MAX_PARAMS)),
        memory_bytes=int(getattr(settings, "CONVSCOPE_TRAINING_MEMORY_BYTES", recipe.MEMORY_BYTES)),
    )


def time_limit() -> float:
    """The training task's soft time limit: no run may be estimated past it."""
    return costs._limit(TASK)


def trainable_datasets():
    """The built-in datasets a network can be trained on (they have a training split)."""
    from datasets.registry import list_datasets

    names = [ds.name for ds in list_datasets() if ds.available()]
    return Dataset.objects.filter(builtin=True, name__in=names).order_by("name")


def _facts(dataset: Dataset) -> dict:
    from datasets.registry import get_dataset

    manifest = get_dataset(dataset.name).manifest
    return {
        "input_shape": list(manifest["image_shape"]),
        "classes": list(manifest["classes"]),
        "train": int(manifest["splits"]["train"]),
        "test": int(manifest["splits"]["test"]),
    }


def find_dataset(name: str) -> Dataset:
    dataset = trainable_datasets().filter(name=name).first()
    if dataset is None:
        known = ", ".join(trainable_datasets().values_list("name", flat=True))
        raise RequestInvalid(f"There is no built-in dataset '{name}' to train on ({known}).")
    return dataset


@dataclass
class Plan:
    """A checked request: the recipe's layers and counts, the estimate, every problem."""

    checked: recipe.Checked
    facts: dict
    images: int
    estimate: cost.Estimate | None
    problems: list[dict]

    def as_dict(self) -> dict:
        return {
            **self.checked.as_dict(),
            "ok": not self.problems,
            "problems": self.problems,
            "input_shape": self.facts["input_shape"],
            "classes": len(self.facts["classes"]),
            "train_images": self.facts["train"],
            "images": self.images,
            "estimated_seconds": round(self.estimate.seconds, 1) if self.estimate else None,
            "time_limit_seconds": time_limit(),
        }


def plan(dataset: Dataset, data: dict) -> Plan:
    """Check a request: the stack's shapes and counts, then the memory of one batch and the
    time of the whole run against this server's limits, each problem in a sentence."""
    facts = _facts(dataset)
    checked = recipe.check_recipe(
        data.get("layers"), facts["input_shape"], len(facts["classes"]), limits()
    )
    problems = list(checked.problems)
    images = int(data.get("images") or DEFAULT_IMAGES)
    if images > facts["train"]:
        problems.append(
            {
                "layer": None,
                "message": f"{dataset.name} has {facts['train']:,} "
                f"training images; choose at most that many.",
            }
        )
    images = min(images, facts["train"])
    estimate = None
    if checked.ok:
        batch = int(data.get("batch_size") or 64)
        memory = recipe.memory_problem(checked, facts["input_shape"], batch, limits())
        if memory:
            problems.append({"layer": None, "message": memory})
        try:
            estimate = costs.check_training(
                checked.macs, images, facts["test"], int(data.get("epochs") or 1), batch, TASK
            )
        except costs.TooCostly as exc:
            problems.append({"layer": None, "message": str(exc)})
    return Plan(checked, facts, images, estimate, problems)


def quota(owner) -> dict:
    """What the owner has used of their quota: trained networks kept (and runs under way),
    and training time (seconds used, and the estimates of runs under way)."""
    runs = TrainingRun.objects.filter(owner=owner)
    active = runs.exclude(job__status__in=FINISHED_STATUSES)
    kept = Network.objects.filter(owner=owner, source=NetworkSource.TRAINED).count()
    used = runs.filter(job__status__in=FINISHED_STATUSES).aggregate(s=Sum("seconds_used"))["s"]
    pending = active.aggregate(s=Sum("estimated_seconds"))["s"]
    return {
        "networks": kept + active.count(),
        "networks_limit": networks_per_user(),
        "seconds": round(float(used or 0) + float(pending or 0), 1),
        "seconds_limit": seconds_per_user(),
    }


def check_quota(owner, estimate: float) -> None:
    held = quota(owner)
    if held["networks"] >= held["networks_limit"]:
        raise QuotaExceeded(
            f"You have {held['networks']} trained networks (with any still training), the most "
            f"one user may keep ({held['networks_limit']}). Delete one on the Models page to "
            "train another."
        )
    left = held["seconds_limit"] - held["seconds"]
    if estimate > left:
        raise QuotaExceeded(
            f"This training needs about {cost.readable_seconds(estimate)}, but only "
            f"{cost.readable_seconds(max(left, 0))} of your training time is left (each user "
            f"has {cost.readable_seconds(held['seconds_limit'])} in all). Train on fewer "
            "images or for fewer epochs."
        )


def create_run(owner, data: dict) -> TrainingRun:
    """Check the request, the limits and the quota, then a run row and its queued job."""
    dataset = find_dataset(data["dataset"])
    checked = plan(dataset, data)
    if checked.problems:
        error = RequestInvalid(checked.problems[0]["message"])
        error.problems = checked.problems
        raise error
    check_quota(owner, checked.estimate.seconds)
    with transaction.atomic():
        job = jobs.create_job(owner, JobKind.TRAINING)
        run = TrainingRun.objects.create(
            owner=owner,
            title=data.get("title") or "",
            dataset=dataset,
            recipe=checked.checked.layers,
            epochs=data["epochs"],
            batch_size=data["batch_size"],
            learning_rate=data["learning_rate"],
            images=checked.images,
            seed=data.get("seed") or 0,
            params=checked.checked.params,
            estimated_seconds=round(checked.estimate.seconds, 1),
            job=job,
        )
    jobs.enqueue(job, TASK)
    return run


# --- in the worker -------------------------------------------------------------------------


def execute(run: TrainingRun, progress=None) -> Network:
    """Train the run into its network's folder, then register that network (private)."""
    from datasets.registry import get_dataset
    from worker.techniques.training.train import Settings, train_network, training_subset

    dataset = get_dataset(run.dataset.name)
    x_train, y_train = dataset.load("train")
    x_test, y_test = dataset.load("test")
    chosen = training_subset(y_train, run.images, run.seed)
    out_dir = Path(settings.MEDIA_ROOT) / run.folder
    shutil.rmtree(out_dir, ignore_errors=True)  # a redelivered run starts afresh
    points: list[dict] = []
    TrainingRun.objects.filter(pk=run.pk).update(history=[])

    def on_point(point: dict) -> None:
        points.append(point)
        TrainingRun.objects.filter(pk=run.pk).update(history=points)

    summary = train_network(
        run.recipe,
        len(dataset.classes),
        x_train[chosen],
        y_train[chosen],
        x_test,
        y_test,
        Settings(run.epochs, run.batch_size, run.learning_rate, run.seed),
        out_dir,
        scale=SCALE,
        progress=progress,
        on_point=on_point,
    )
    return register_network(run, summary, out_dir, dataset)


def register_network(run: TrainingRun, summary: dict, out_dir: Path, dataset) -> Network:
    """The trained network as a row, as the zoo's are registered: layers described from the
    saved file, weights exported for the network and every epoch, history rows carrying their
    checkpoints (paths relative to MEDIA_ROOT)."""
    from backend.networks.weights import (
        attach_weight_files,
        export_checkpoint_weights,
        export_weights,
        file_sha256,
    )
    from worker.inputs.input_spec import InputSpec
    from worker.runtime.introspection import describe_layers, has_softmax_output
    from worker.runtime.model_loading import load_stored_model

    model_path = out_dir / "model.keras"
    model = load_stored_model(model_path)
    layers, softmax = describe_layers(model), has_softmax_output(model)
    network = Network(name=run.network_name, version=1)
    exported = export_weights(model_path, network.weights_dir)
    history = []
    for row in summary["history"]:
        path = out_dir / row["checkpoint"]
        history.append(
            {
                **{k: v for k, v in row.items() if k != "kind"},
                "checkpoint": media.relative_name(path),
                "checkpoint_sha256": file_sha256(path),
            }
        )
    export_checkpoint_weights(
        model_path,
        network.weights_dir,
        {row["epoch"]: out_dir / row["checkpoint"] for row in summary["history"]},
    )
    height, width, channels = (int(d) for d in dataset.manifest["image_shape"])
    spec = InputSpec(
        height=height, width=width, channels=channels, scale=SCALE, mean=(0.0,), std=(1.0,)
    )
    words = ", ".join(recipe.TYPE_WORDS[layer["type"]] for layer in run.recipe)
    media.publish(run.folder)
    with transaction.atomic():
        network = Network.objects.create(
            name=run.network_name,
            version=1,
            title=run.title or f"My network {run.pk}",
            description=f"Built on the Build & train page: {words}, then the output layer.",
            owner=run.owner,
            public=False,
            source=NetworkSource.TRAINED,
            dataset=run.dataset,
            model_file=f"{run.folder}/model.keras",
            weights_sha256=file_sha256(model_path),
            labels=dataset.classes,
            input_spec=spec.to_dict(),
            layers=attach_weight_files(layers, exported),
            params=summary["params"],
            softmax_output=softmax,
            test_accuracy=history[-1]["test_accuracy"],
            history=history,
            training_data=f"{run.images:,} {dataset.manifest['title']} training images chosen "
            f"by seed {run.seed}; {run.epochs} epochs, batch {run.batch_size}, Adam at "
            f"learning rate {run.learning_rate:g}.",
        )
        TrainingRun.objects.filter(pk=run.pk).update(network=network)
    return network


def record_seconds(run_id: int, started: float) -> None:
    """The time a run took counts against its owner's quota, however it ended."""
    TrainingRun.objects.filter(pk=run_id).update(seconds_used=round(time.monotonic() - started, 1))


def discard_files(run: TrainingRun) -> None:
    """A run that did not make a network leaves no files behind."""
    if not Network.objects.filter(name=run.network_name).exists():
        media.remove(run.folder)

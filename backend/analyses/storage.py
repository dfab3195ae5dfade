"""Which layers of a stored result are on disk, and computing the others on request.

A result keeps its layers within ``ANALYSIS_STORE_BUDGET_BYTES`` (worker.techniques.analysis
``plan_storage``: every layer in float32 when that fits, else float16, the smallest first); the
retention policy (``retention.py``) may remove them later. A layer is on disk when its file
exists: ``layer007.npy`` (in the dtype the result's layer entry names, float32 unless it says
"float16"), and for a float16 layer whose exact values were asked for, ``layer007.f32.npy``.
A layer that is not there is computed by a job (one per result, layer and precision) and
stored; until it is, the views answer 202 with the job's id.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.analyses.models import Analysis, AnalysisResult, LayerRequest
from backend.core import media
from backend.jobs import services as jobs
from backend.jobs.models import Job, JobKind, JobStatus

# Layer jobs run as "analysis" jobs through the analysis task: the same kind of work (one
# forward pass), and the job runner's table of kinds stays as the API documents it.
LAYER_TASK = "analyses.run_analysis"


def budget_bytes() -> int:
    return int(settings.ANALYSIS_STORE_BUDGET_BYTES)


def layer_dtype(layer: dict) -> str:
    """The precision the layer is kept in (entries without "dtype" are float32)."""
    return layer.get("dtype", "float32")


def exact_name(layer: dict) -> str:
    from worker.techniques.analysis import exact_filename

    return exact_filename(layer["file"])


def find_layer(result: AnalysisResult, index: int) -> dict | None:
    return next((item for item in result.layers if item["index"] == index), None)


def stored_file(result: AnalysisResult, layer: dict, exact: bool) -> Path | None:
    """The local copy of the layer's file that serves the request, or None when none is
    stored: ``exact`` needs float32 values (the layer's own file when kept in float32, else
    its ``.f32.npy`` copy); otherwise either file will do."""
    names = []
    if not exact or layer_dtype(layer) == "float32":
        names.append(layer["file"])
    if layer_dtype(layer) != "float32":
        names.append(exact_name(layer))
    for name in names:
        path = result.file(name)
        if path.is_file():
            return path
    return None


def all_layers_stored(result: AnalysisResult) -> bool:
    """Whether every layer's own file is on disk (the whole-bundle endpoint needs them all)."""
    folder = result.local_dir()
    return all((folder / layer["file"]).is_file() for layer in result.layers)


def refresh_disk_bytes(result: AnalysisResult) -> int:
    """Count the result's stored bytes again and keep the figure on the row."""
    size = media.folder_bytes(result.directory)
    AnalysisResult.objects.filter(pk=result.pk).update(disk_bytes=size)
    result.disk_bytes = size
    return size


def touch(result: AnalysisResult) -> None:
    """The result was asked for now (the retention policy keeps recent ones longest)."""
    AnalysisResult.objects.filter(pk=result.pk).update(used_at=timezone.now())


def request_layer(analysis: Analysis, layer: dict, exact: bool) -> Job:
    """The job computing ``layer`` of the analysis's result (float32 when ``exact``): the one
    already queued or running for it, or a new one. Concurrent callers get the same job."""
    result = analysis.result
    key = {"result": result, "index": layer["index"], "exact": exact}
    current = LayerRequest.objects.filter(**key).select_related("job").first()
    if current is not None and not current.job.is_finished:
        return current.job
    with transaction.atomic():
        job = jobs.create_job(
            analysis.owner, JobKind.ANALYSIS, message=f"Computing layer {layer['name']}."
        )
        if current is None:
            try:
                with transaction.atomic():
                    LayerRequest.objects.create(analysis=analysis, job=job, **key)
            except IntegrityError:  # another request made it first
                current = LayerRequest.objects.select_related("job").get(**key)
        if current is not None:
            if not current.job.is_finished:  # another request's job: wait on it
                job.delete()
                return current.job
            # Replace the finished job (failed, or its layer pruned since) only if no one else
            # has meanwhile: the conditional update is the lock.
            if not LayerRequest.objects.filter(pk=current.pk, job_id=current.job_id).update(
                job=job, analysis=analysis
            ):
                job.delete()
                return LayerRequest.objects.select_related("job").get(pk=current.pk).job
    touch(result)
    jobs.enqueue(job, LAYER_TASK)
    return job


def compute_and_store_layer(request: LayerRequest) -> Path:
    """The job's work: one forward pass, the layer written whole (core.media.write_file) in
    its precision (float32 when exact), the result's size counted again. A layer already on
    disk (a second delivery of the job) is not written twice."""
    import io

    import numpy as np

    from backend.analyses.services import load_pixels
    from worker.techniques.analysis import compute_layer

    result = request.result
    layer = find_layer(result, request.index)
    if layer is None:
        raise ValueError(f"The network has no layer {request.index}.")
    existing = stored_file(result, layer, request.exact)
    if existing is not None:
        return existing
    handle = result.network.compute_handle()
    extractor = handle.extractor_at(result.epoch)
    x = handle.preprocess(load_pixels(request.analysis.image))
    exact_copy = request.exact and layer_dtype(layer) != "float32"
    dtype = "float32" if exact_copy else layer_dtype(layer)
    array = compute_layer(extractor, x, layer["index"], dtype)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    name = exact_name(layer) if exact_copy else layer["file"]
    path = media.write_file(f"{result.directory}/{name}", buffer.getvalue())
    refresh_disk_bytes(result)
    return path


def pending(result: AnalysisResult) -> bool:
    """Whether a layer job of this result is queued or running (the pruner leaves it alone)."""
    return LayerRequest.objects.filter(
        result=result, job__status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).exists()

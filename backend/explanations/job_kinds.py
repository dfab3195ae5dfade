"""Explanation and trust-check jobs, as the job runner runs them (backend/jobs/runner.py)."""

from backend.analyses.services import load_pixels
from backend.core.results import store_result
from backend.explanations import filter_services, services
from backend.explanations.models import (
    Explanation,
    ExplanationResult,
    FilterAttribution,
    FilterAttributionResult,
)
from backend.jobs.runner import ComputeJob, Work, register


class ExplanationJob(ComputeJob):
    """An attribution map (or the trust checks of a method) for one image (or reuse)."""

    kinds = ("explanation", "trust-check")
    request_name = "explanation"
    routes = {"explanation": "explanation-detail", "trust-check": "trust-check-detail"}
    what = "explanation"
    timeout_advice = (
        "try fewer samples or steps, a larger occlusion window and stride, or a smaller image."
    )

    def requests(self):
        return Explanation.objects.select_related("network", "image")

    def prepare(self, request: Explanation) -> Work:
        network, image = request.network, request.image
        pixels = load_pixels(image)
        key = services.params_key(request.method, request.params, request.layer, request.kind)
        target = request.target
        if target is None:  # "the predicted class", which only the network can say
            target = services.predicted_in_worker(network, pixels)
        context = {"pixels": pixels, "key": key, "target": target}
        existing = services.find_result(
            network, image.sha256, request.kind, request.method, target, key
        )
        if existing is not None:
            return Work(existing, context=context)
        directory = services.result_directory(
            network, image.sha256, request.kind, request.method, target, key
        )
        return Work(None, directory, context)

    def compute(self, request: Explanation, work: Work, out_dir, progress) -> dict:
        return services.compute(
            request.network,
            work.context["pixels"],
            kind=request.kind,
            method=request.method,
            target=work.context["target"],
            layer=request.layer,
            params=request.params,
            out_dir=out_dir,
            progress=progress,
        )

    def store(self, request: Explanation, work: Work, summary: dict) -> ExplanationResult:
        lookup = {
            "network": request.network,
            "image_sha256": request.image.sha256,
            "kind": request.kind,
            "method": request.method,
            "target": work.context["target"],
            "params_key": work.context["key"],
        }
        values = {
            "directory": work.directory,
            "summary": summary,
            "params": request.params,
            "layer": summary.get("layer") or "",
        }
        return store_result(ExplanationResult, lookup, values)


register(ExplanationJob())


class FilterAttributionJob(ComputeJob):
    """Guided backpropagation and gradient of every filter of one conv layer (or reuse)."""

    kinds = ("filter-attribution",)
    request_name = "filter_attribution"
    routes = {"filter-attribution": "filter-attribution-detail"}
    what = "per-filter explanation"
    timeout_advice = "choose a layer nearer the input, or a smaller network."

    def requests(self):
        return FilterAttribution.objects.select_related("analysis__network", "analysis__image")

    def prepare(self, request: FilterAttribution) -> Work:
        network, image = request.analysis.network, request.analysis.image
        existing = filter_services.find_result(network, image.sha256, request.layer, request.rule)
        if existing is not None:
            return Work(existing)
        directory = filter_services.result_directory(
            network, image.sha256, request.layer, request.rule
        )
        return Work(None, directory)

    def compute(self, request: FilterAttribution, work: Work, out_dir, progress) -> dict:
        analysis = request.analysis
        return filter_services.compute(
            analysis.network, load_pixels(analysis.image), request.layer, request.rule,
            out_dir, progress=progress,
        )  # fmt: skip

    def store(self, request: FilterAttribution, work: Work, summary: dict):
        analysis = request.analysis
        lookup = {
            "network": analysis.network,
            "image_sha256": analysis.image.sha256,
            "layer": request.layer,
            "rule": request.rule,
            "version": filter_services.VERSION,
        }
        values = {"directory": work.directory, "summary": summary}
        return store_result(FilterAttributionResult, lookup, values)


register(FilterAttributionJob())

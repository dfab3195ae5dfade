"""Neighbourhood jobs, as the job runner runs them (backend/jobs/runner.py)."""

from backend.core.results import store_result
from backend.jobs.runner import ComputeJob, Work, register
from backend.neighbourhoods import services, vae_services
from backend.neighbourhoods.models import (
    DatasetVae,
    Neighbourhood,
    NeighbourhoodResult,
    VaeTraining,
)


class NeighbourhoodJob(ComputeJob):
    """A test picture's neighbourhood: VAE neighbours labelled by the network, a student."""

    kinds = ("neighbourhood",)
    request_name = "neighbourhood"
    routes = {"neighbourhood": "neighbourhood-detail"}
    what = "neighbourhood"
    timeout_advice = "ask for fewer neighbours, or use a smaller network."

    def requests(self):
        return Neighbourhood.objects.select_related("network", "network__dataset")

    def prepare(self, request: Neighbourhood) -> Work:
        key = services.params_key(request.params)
        existing = services.find_result(key)
        if existing is not None:
            return Work(existing, context={"key": key})
        return Work(None, services.result_directory(key), {"key": key})

    def compute(self, request: Neighbourhood, work: Work, out_dir, progress) -> dict:
        return services.compute(request, out_dir, progress=progress)

    def store(self, request: Neighbourhood, work: Work, summary: dict) -> NeighbourhoodResult:
        values = {"network": request.network, "params": request.params,
                  "directory": work.directory, "summary": summary}  # fmt: skip
        return store_result(NeighbourhoodResult, {"params_key": work.context["key"]}, values)


class VaeTrainingJob(ComputeJob):
    """A VAE trained for a registered dataset (never reused: each job trains one)."""

    kinds = ("vae-training",)
    request_name = "vae_training"
    routes = {"vae-training": "vae-detail"}
    what = "VAE training"
    timeout_advice = "register a smaller dataset (fewer or smaller pictures)."

    def requests(self):
        return VaeTraining.objects.select_related("dataset")

    def prepare(self, request: VaeTraining) -> Work:
        return Work(None, vae_services.result_directory(request))

    def compute(self, request: VaeTraining, work: Work, out_dir, progress) -> dict:
        return vae_services.compute(request, out_dir, progress=progress)

    def store(self, request: VaeTraining, work: Work, manifest: dict) -> DatasetVae:
        return DatasetVae.objects.create(
            dataset=request.dataset, directory=work.directory, summary=manifest
        )


register(NeighbourhoodJob())
register(VaeTrainingJob())

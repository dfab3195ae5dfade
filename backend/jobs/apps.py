from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "backend.jobs"
    label = "jobs"

    def ready(self) -> None:
        # Every app declares its job kinds in <app>/job_kinds.py (backend/jobs/runner.py): the
        # runner, the task bodies and the jobs API read one table.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("job_kinds")

from django.contrib import admin

from backend.analyses.models import Analysis, AnalysisResult


@admin.register(Analysis)
class AnalysisAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "network", "image", "job", "created_at"]


@admin.register(AnalysisResult)
class AnalysisResultAdmin(admin.ModelAdmin):
    list_display = ["id", "network", "image_sha256", "created_at"]

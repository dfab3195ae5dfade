from django.contrib import admin

from backend.explanations.models import Explanation, ExplanationResult


@admin.register(Explanation)
class ExplanationAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "method", "owner", "network", "image", "job", "created_at"]
    list_filter = ["kind", "method"]


@admin.register(ExplanationResult)
class ExplanationResultAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "method", "network", "target", "image_sha256", "created_at"]
    list_filter = ["kind", "method"]

from django.contrib import admin

from backend.features.models import FeatureVis, FeatureVisResult


@admin.register(FeatureVis)
class FeatureVisAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "layer", "owner", "network", "job", "created_at"]
    list_filter = ["kind"]


@admin.register(FeatureVisResult)
class FeatureVisResultAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "layer", "network", "created_at"]
    list_filter = ["kind"]

from django.contrib import admin

from backend.annotations.models import FilterAnnotation


@admin.register(FilterAnnotation)
class FilterAnnotationAdmin(admin.ModelAdmin):
    list_display = ["id", "owner", "network", "layer", "filter", "verdict", "updated_at"]
    list_filter = ["verdict"]

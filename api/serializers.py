"""The base serializer of every API model: strict JSON types, unknown keys refused."""

from django.db import models
from rest_framework import serializers

from .strict import (
    StrictBodyMixin,
    StrictBooleanField,
    StrictCharField,
    StrictDateTimeField,
    StrictPrimaryKeyRelatedField,
)


class StrictModelSerializer(StrictBodyMixin, serializers.ModelSerializer):
    """Fields take the JSON type the schema names only (DRF would turn numbers and
    booleans into text, 0 into False, "3" into an id), and a key that is not a writable
    field is a 400 (DRF would drop it): see `api.strict`."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.BooleanField: StrictBooleanField,
        models.DateTimeField: StrictDateTimeField,
    }
    serializer_related_field = StrictPrimaryKeyRelatedField

"""The REST API: serializers, filters, permissions, pagination and viewsets."""

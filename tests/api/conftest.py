"""API clients: anonymous, or authenticated with a real JWT obtained from the API."""

import pytest
from rest_framework.test import APIClient

PASSWORD = "correct-horse-battery"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(db):
    """`api_as(user)`: a client carrying a bearer token that `user` obtained from the API."""

    def client_for(user):
        client = APIClient()
        if user is None:
            return client
        response = client.post(
            "/api/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200, response.content
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
        return client

    return client_for

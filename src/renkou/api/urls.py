"""URLs of the API. The version is fixed per route (``{"version": "v1"}``) so that
URLPathVersioning sees it and `reverse("api:person_list")` needs no version argument."""

from django.urls import path, register_converter

from renkou.api import views

app_name = "api"


class PkConverter:
    """Primary keys of at most 12 digits: an identity number (15/18) can never fit."""

    regex = "[0-9]{1,12}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(PkConverter, "api_pk")
V1 = {"version": "v1"}

urlpatterns = [
    path("v1/schema/", views.SchemaView.as_view(), V1, name="schema"),
    path("v1/docs/", views.DocsView.as_view(url_name="api:schema"), V1, name="docs"),
    path("v1/token/", views.TokenView.as_view(), V1, name="token"),
    path("v1/persons/", views.PersonListView.as_view(), V1, name="person_list"),
    path("v1/persons/lookup/", views.PersonLookupView.as_view(), V1, name="person_lookup"),
    path("v1/persons/<api_pk:pk>/", views.PersonDetailView.as_view(), V1, name="person_detail"),
    path("v1/households/", views.HouseholdListView.as_view(), V1, name="household_list"),
    path(
        "v1/households/<api_pk:pk>/",
        views.HouseholdDetailView.as_view(),
        V1,
        name="household_detail",
    ),
    path("v1/change-reports/", views.ChangeReportListView.as_view(), V1, name="changereport_list"),
    path(
        "v1/change-reports/<api_pk:pk>/",
        views.ChangeReportDetailView.as_view(),
        V1,
        name="changereport_detail",
    ),
]

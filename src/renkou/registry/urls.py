from django.urls import path

from renkou.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.overview, name="overview"),
]

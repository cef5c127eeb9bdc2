from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("", include("renkou.core.urls")),
    path("registry/", include("renkou.registry.urls")),
    path("work/", include("renkou.worklists.urls")),
    path("exchange/", include("renkou.exchange.urls")),
    path("programmes/", include("renkou.programmes.urls")),
    path("api/", include("renkou.api.urls")),
]

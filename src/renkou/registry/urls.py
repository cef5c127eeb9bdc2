from renkou.registry.views import (
    changereports,
    duplicates,
    households,
    imports,
    overview,
    persons,
    transfers,
)

app_name = "registry"
urlpatterns = [
    *overview.urlpatterns,
    *persons.urlpatterns,
    *households.urlpatterns,
    *changereports.urlpatterns,
    *duplicates.urlpatterns,
    *transfers.urlpatterns,
    *imports.urlpatterns,
]
VIEW_MODULES = [overview, persons, households, changereports, duplicates, transfers, imports]

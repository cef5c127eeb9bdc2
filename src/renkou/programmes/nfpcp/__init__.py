"""The pre-pregnancy check programme: the item catalogue (`items`), the services
(`services`), the results-file importer (`importer`) and the indicators (`indicators`)."""

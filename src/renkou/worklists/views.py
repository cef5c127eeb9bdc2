"""Worklist pages (挂账销号): URL patterns and the permission matrix of the app."""

from __future__ import annotations

from django.urls import URLPattern, path

from renkou.core.access import BUSINESS_ROLES, TOWNSHIP_UP, Rule
from renkou.worklists import views_items as items
from renkou.worklists import views_lists as lists
from renkou.worklists import views_reviews as reviews

urlpatterns: list[URLPattern] = [
    path("", lists.my_items_view, name="my_items"),
    path("board/", lists.board, name="board"),
    path("items/", lists.item_list, name="item_list"),
    path("items/assign/", lists.bulk_assign, name="bulk_assign"),
    path("items/<int:pk>/", items.item_detail, name="item_detail"),
    path("items/<int:pk>/note/", items.item_note, name="item_note"),
    path("items/<int:pk>/close/", items.item_close, name="item_close"),
    path("items/<int:pk>/exempt/", items.item_exempt_request, name="item_exempt_request"),
    path("items/<int:pk>/reopen/", items.item_reopen, name="item_reopen"),
    path("items/<int:pk>/assign/", items.item_assign, name="item_assign"),
    path("items/<int:pk>/exempt/approve/", items.item_exempt_approve, name="item_exempt_approve"),
    path("items/<int:pk>/exempt/refuse/", items.item_exempt_refuse, name="item_exempt_refuse"),
    path("items/<int:pk>/attachments/", items.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", items.attachment_download, name="attachment_download"),
    path("exemptions/", lists.exemption_list, name="exemption_list"),
    path("filters/<int:pk>/delete/", lists.filter_delete, name="filter_delete"),
    path("reviews/", reviews.review_list, name="review_list"),
    path("reviews/new/", reviews.review_new, name="review_new"),
    path("reviews/<int:pk>/", reviews.review_detail, name="review_detail"),
]

ACCESS: dict[str, Rule] = {
    "worklists:my_items": Rule(roles=BUSINESS_ROLES),
    "worklists:board": Rule(roles=BUSINESS_ROLES),
    "worklists:item_list": Rule(roles=BUSINESS_ROLES),
    "worklists:bulk_assign": Rule(roles=TOWNSHIP_UP, method="POST"),
    "worklists:item_detail": Rule(roles=BUSINESS_ROLES, obj="workitem"),
    "worklists:item_note": Rule(roles=BUSINESS_ROLES, obj="workitem", method="POST"),
    "worklists:item_close": Rule(roles=BUSINESS_ROLES, obj="workitem", method="POST"),
    "worklists:item_exempt_request": Rule(roles=BUSINESS_ROLES, obj="workitem", method="POST"),
    # Reopening a closed item is a township decision.
    "worklists:item_reopen": Rule(roles=TOWNSHIP_UP, obj="workitem", method="POST"),
    "worklists:item_assign": Rule(roles=TOWNSHIP_UP, obj="workitem", method="POST"),
    # Exemptions are approved or refused by the township (免办审批).
    "worklists:item_exempt_approve": Rule(roles=TOWNSHIP_UP, obj="workitem", method="POST"),
    "worklists:item_exempt_refuse": Rule(roles=TOWNSHIP_UP, obj="workitem", method="POST"),
    "worklists:exemption_list": Rule(roles=TOWNSHIP_UP),
    "worklists:attachment_upload": Rule(roles=BUSINESS_ROLES, obj="workitem", method="POST"),
    "worklists:attachment_download": Rule(roles=BUSINESS_ROLES, obj="attachment"),
    # Any business user may delete their own saved filters; others' in scope are refused.
    "worklists:filter_delete": Rule(roles=BUSINESS_ROLES, obj="savedfilter", method="POST"),
    "worklists:review_list": Rule(roles=TOWNSHIP_UP),
    "worklists:review_new": Rule(roles=TOWNSHIP_UP, method="POST"),
    "worklists:review_detail": Rule(roles=TOWNSHIP_UP, obj="review"),
}

"""`{% members_chart %}`: members over time on the admin home, for who may see members."""

from django import template

from ..charts import members_over_time

register = template.Library()


@register.inclusion_tag("admin/members/chart.html", takes_context=True)
def members_chart(context) -> dict:
    user = context["request"].user
    if not user.has_perm("members.view_member"):
        return {"shown": False}
    return {"shown": True, "chart": members_over_time()}

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.core.models import Organisation
from cityops.portfolio.choices import OperationObject

from .models import Need, NeedStatus, Qualification, SupplierProfile, SupplierReference

# The 12 quantified indicators, in the order the form and the detail page show them.
INDICATORS = (
    "technical_standard", "implementation_days", "budget_wan", "availability_pct",
    "response_minutes", "data_interfaces", "security_level", "user_scale",
    "integration_points", "xinchuang_required", "acceptance_criteria", "operations_months",
)


class NeedForm(forms.ModelForm):
    class Meta:
        model = Need
        fields = ["title", "description", "tags", "category", "region_code", *INDICATORS]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "acceptance_criteria": forms.Textarea(attrs={"rows": 2}),
        }


class NeedFilterForm(forms.Form):
    q = forms.CharField(label=_("search"), required=False)
    department = forms.ModelChoiceField(label=_("department"), required=False,
                                        queryset=Organisation.objects.departments())
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", _("All"))] + list(NeedStatus.choices))
    category = forms.ChoiceField(label=_("operation object"), required=False,
                                 choices=[("", _("All objects"))] + list(OperationObject.choices))


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(label=_("merge into"), queryset=Need.objects.none())
    comment = forms.CharField(label=_("comment"), required=False)

    def __init__(self, *args, need=None, **kwargs):
        super().__init__(*args, **kwargs)
        if need is not None:
            self.fields["into"].queryset = Need.objects.filter(
                status__in=[NeedStatus.SUBMITTED, NeedStatus.APPROVED]).exclude(pk=need.pk)


class ProfileForm(forms.ModelForm):
    class Meta:
        model = SupplierProfile
        fields = ["capabilities", "tags", "regions_served", "capacity_wan"]
        widgets = {"capabilities": forms.Textarea(attrs={"rows": 5})}


class QualificationForm(forms.ModelForm):
    class Meta:
        model = Qualification
        fields = ["kind", "level", "certificate_no", "expires_on"]
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ReferenceForm(forms.ModelForm):
    class Meta:
        model = SupplierReference
        fields = ["title", "client", "year", "amount_wan"]

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.demand.models import Need, NeedStatus

from .models import Category, Contract, Method, Procurement, ProcurementStatus

DATE = {"type": "date"}
DATETIME = {"type": "datetime-local"}


class PlanForm(forms.ModelForm):
    needs = forms.ModelMultipleChoiceField(label=_("needs"), queryset=Need.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)
    criteria_text = forms.CharField(
        label=_("technical criteria"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: name = weight (e.g. 技术方案 = 0.4). With the price weight "
                    "they sum to 1."))

    class Meta:
        model = Procurement
        fields = ["title", "description", "category", "estimated_amount_wan", "budget_year",
                  "method", "justifications", "original_contract", "evaluation_method",
                  "price_weight", "standstill_days"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        needs = Need.objects.filter(status=NeedStatus.APPROVED)
        if user is not None and user.role == "department_officer":
            needs = needs.filter(department_id=user.organisation_id)
        if self.instance.pk:
            self.fields.pop("needs")
        else:
            self.fields["needs"].queryset = needs.select_related("department")
        self.fields["estimated_amount_wan"].required = False
        self.fields["budget_year"].required = False
        self.fields["original_contract"].queryset = Contract.objects.visible_to(user) \
            if user is not None else Contract.objects.none()
        if self.instance.pk and self.instance.criteria:
            self.initial["criteria_text"] = "\n".join(
                f"{c['name']} = {c['weight']}" for c in self.instance.criteria)

    def clean_criteria_text(self):
        criteria = []
        for n, line in enumerate(self.cleaned_data["criteria_text"].splitlines(), 1):
            if not line.strip():
                continue
            name, sep, weight = line.partition("=")
            try:
                value = float(weight)
            except ValueError:
                value = None
            if not sep or not name.strip() or value is None or not 0 < value < 1:
                raise forms.ValidationError(_(
                    "Line %(n)s: write “name = weight” with a weight between 0 and 1.") % {"n": n})
            criteria.append({"key": f"c{n}", "name": name.strip(), "weight": value})
        return criteria

    def plan_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("needs", None)
        data["criteria"] = data.pop("criteria_text")
        for name in ("estimated_amount_wan", "budget_year"):
            if data.get(name) in (None, ""):
                data.pop(name)
        return data


class PublishForm(forms.Form):
    bid_deadline = forms.DateTimeField(label=_("bid deadline"),
                                       widget=forms.DateTimeInput(attrs=DATETIME))
    notice = forms.CharField(label=_("notice"), required=False,
                             widget=forms.Textarea(attrs={"rows": 4}))


class BidForm(forms.Form):
    price_wan = forms.DecimalField(label=_("price (10k yuan)"), max_digits=14, decimal_places=2)
    proposal = forms.CharField(label=_("technical proposal"), required=False,
                               widget=forms.Textarea(attrs={"rows": 4}))


class ChallengeForm(forms.Form):
    grounds = forms.CharField(label=_("grounds"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideChallengeForm(forms.Form):
    upheld = forms.TypedChoiceField(label=_("decision"), coerce=lambda v: v == "1",
                                    choices=[("0", _("Dismiss")), ("1", _("Uphold"))])
    outcome = forms.CharField(label=_("outcome"), widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = ["title", "start_on", "end_on", "content_fixed", "continuity_strong",
                  "funding_stable", "prices_stable", "renewals_max", "content", "quantity",
                  "quality", "settlement", "rights_obligations", "liability", "deposit_ratio"]
        widgets = {
            "start_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            "end_on": forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
            **{n: forms.Textarea(attrs={"rows": 2}) for n in (
                "content", "quantity", "quality", "settlement", "rights_obligations",
                "liability")},
        }


class AmendForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))
    amount_wan = forms.DecimalField(label=_("new amount (10k yuan)"), required=False,
                                    max_digits=14, decimal_places=2)
    end_on = forms.DateField(label=_("new end date"), required=False,
                             widget=forms.DateInput(attrs=DATE))


class ProcurementFilterForm(forms.Form):
    q = forms.CharField(label=_("search"), required=False)
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", _("All"))] + list(ProcurementStatus.choices))
    method = forms.ChoiceField(label=_("procurement method"), required=False,
                               choices=[("", _("All"))] + list(Method.choices))
    category = forms.ChoiceField(label=_("category"), required=False,
                                 choices=[("", _("All"))] + list(Category.choices))


"""What users see of policy operations in the browser: an enterprise's own policies (a match
with its benefit and 免申即享, a near miss with its failing condition in words, the
explanation), and a department officer who edits a policy's rule in the editor, meets a
line-numbered error, fixes it with the help of the condition builder, and puts the policy in
force after the conflict review."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def world(personas):
    from cityops.policy.tests.support import build_world

    return build_world(personas)


def _open_from_nav(page, href):
    page.locator(f'nav.sidebar a[href="{href}"]').click()
    expect(page).to_have_url(re.compile(re.escape(href) + r"$"))


def test_an_enterprise_sees_its_matched_policies_and_a_near_miss(personas, world, login, page,
                                                                  js_errors):
    from cityops.policy.tests.support import in_force, policy_text

    near = in_force(personas)  # erin's R&D intensity: 3.2% of the 5% required
    jobs = in_force(personas, policy_text(
        "杭人社规〔2026〕7号", free=True, title="稳岗返还办法",
        conditions=['{attr: employees, op: ">=", value: 50}',
                    '{attr: tax_credit_rating, op: in, value: [A, B]}'],
        amount='"round(employees * 0.05, 2)"'))

    login(personas.enterprise)
    expect(page.locator('[data-widget="policy.mine"]')).to_be_visible()
    _open_from_nav(page, "/policy/mine/")

    matched = page.locator("[data-testid=matched-policy]")
    expect(matched).to_have_count(1)
    expect(matched).to_have_attribute("data-policy", str(jobs.pk))
    expect(matched).to_contain_text("稳岗返还办法")
    expect(matched.locator("[data-testid=free-application]")).to_have_text("免申即享")
    expect(matched.locator("td.num")).to_have_text("4.00")
    expect(matched).to_contain_text("浙里办在线申报")  # the application guide

    misses = page.locator("[data-testid=near-miss]")
    expect(misses).to_have_count(1)
    expect(misses).to_have_attribute("data-policy", str(near.pk))
    expect(misses.locator("[data-testid=failing-condition]")).to_have_text(
        "✗ 研发费用占比 3.2%，要求 ≥ 5%")

    # The near miss explained condition by condition.
    misses.get_by_role("link", name="研发费用补助办法").click()
    expect(page).to_have_url(re.compile(rf"/policy/explain/{near.pk}/{world.erin.pk}/$"))
    lines = page.locator("[data-testid=explain-line]")
    expect(lines.filter(has_text="研发费用占比 3.2%，要求 ≥ 5%")).to_have_attribute(
        "data-outcome", "not met")
    expect(lines.filter(has_text="科技型中小企业 是")).to_have_attribute("data-outcome", "met")
    # Another enterprise's explanation does not exist for this user.
    response = page.goto(f"/policy/explain/{near.pk}/{world.rich.pk}/")
    assert response.status == 404
    assert js_errors == []


def test_a_department_officer_fixes_a_rule_in_the_editor_and_puts_it_in_force(
        personas, world, login, page, js_errors):
    from cityops.core.models import Notification
    from cityops.policy import services
    from cityops.policy.tests.support import condition_line, policy_text

    draft = services.policy_save(by=personas.dept, source=policy_text(
        "杭卫规〔2026〕5号", title="生物医药研发补助办法（征求意见稿）", conditions=[
            '{attr: tech_sme, op: is_true}', '{attr: rd_intensity, op: ">=", value: 3}']))

    login(personas.dept)
    _open_from_nav(page, "/policy/")
    page.locator("[data-testid=policy-table]").get_by_role(
        "link", name="生物医药研发补助办法（征求意见稿）").click()
    expect(page.locator("[data-testid=policy-status]")).to_have_attribute("data-status",
                                                                          "draft")
    page.locator("[data-testid=policy-edit]").click()
    expect(page).to_have_url(re.compile(rf"/policy/{draft.pk}/edit/$"))

    # A typo in an attribute: refused, with the line.
    source = page.locator("[data-testid=policy-source]")
    typo = draft.source.replace("rd_intensity", "rd_intensty")
    line = condition_line(typo, "rd_intensty")
    source.fill(typo)
    page.locator("[data-testid=policy-save]").click()
    problem = page.locator("[data-testid=problem]")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text(f"第 {line} 行")
    expect(problem).to_contain_text("未知属性 'rd_intensty'")
    expect(page.locator(f'[data-testid=listing] tr[data-line="{line}"]')).to_have_class(
        "has-error")
    expect(page.locator('[data-testid=listing] tr.has-error')).to_have_count(1)

    # The fix, and one more condition written by the condition builder.
    source = page.locator("[data-testid=policy-source]")
    source.fill(draft.source)
    builder = page.locator("[data-testid=builder]")
    row = builder.locator(".builder-row").first
    row.locator("select[name=attr]").select_option("tax_credit_rating")
    row = builder.locator(".builder-row").first
    expect(row.locator("select[name=op] option[value=in]")).to_have_count(1)
    expect(row.locator("select[name=op] option[value='>=']")).to_have_count(0)
    row.locator("select[name=op]").select_option("in")
    row.locator("input[name=value]").fill("A, B")
    page.locator("[data-testid=builder-generate]").click()
    snippet = page.locator("[data-testid=builder-snippet]")
    expect(snippet).to_contain_text("{attr: tax_credit_rating, op: in, value: [A, B]}")
    # put the cursor under "eligibility: all:", where the officer would click
    source.evaluate("(area) => { const at = area.value.indexOf('  all:\\n') + 7;"
                    " area.setSelectionRange(at, at); }")
    page.locator("[data-testid=builder-insert]").click()
    assert "    - {attr: tax_credit_rating, op: in, value: [A, B]}\n    - {attr: tech_sme" \
        in source.input_value()
    page.locator("[data-testid=policy-save]").click()

    expect(page).to_have_url(re.compile(rf"/policy/{draft.pk}/$"))
    expect(page.locator("[data-testid=policy-version]")).to_have_text("2")
    expect(page.locator("[data-testid=rules]")).to_contain_text("纳税信用等级")

    # The conflict review, then in force.
    page.locator("[data-testid=policy-review]").click()
    expect(page.locator("[data-testid=review-report]")).to_have_attribute("data-ok", "1")
    page.locator("[data-testid=put-in-force]").click()
    expect(page).to_have_url(re.compile(rf"/policy/{draft.pk}/$"))
    expect(page.locator("[data-testid=policy-status]")).to_have_attribute("data-status",
                                                                          "in_force")
    expect(page.locator("[data-testid=policy-coverage]")).to_contain_text("2")
    # erin (3.2% ≥ 3%) and "rich" qualify; erin's user is told once
    assert Notification.objects.filter(recipient=personas.enterprise,
                                       kind="policy.match").count() == 1
    assert js_errors == []

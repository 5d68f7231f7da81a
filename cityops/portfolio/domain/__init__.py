"""Pure portfolio rules: no Django, no database. Plain data in, plain data out, so that the
web, the API, the CLI and batch jobs call the same code and tests need no database.

- vocab.py       the domain's words (operation models, objects, return mechanisms, ...)
- facts.py       ProjectFacts / PortfolioContext: what the engines read
- advisor.py     operation-model advisor (ranking with reasons and risks)
- compliance.py  rules as data (rules.yaml) checked against a project
- fiscal.py      fiscal affordability: PPP/VGF liabilities vs the general public budget
"""

"""licences CKAN portals use, and aliases (CKAN and SPDX ids) for ours

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00.000000

A dataset migrated from CKAN (`ckanapi load`) carries one of CKAN's default licence ids. Those
with an equivalent among ours become aliases of it (cc-by -> cc-by-4.0); the others are added as
licences of their own, with CKAN's titles and open flags, rather than mapped to a wrong one.
SPDX ids are aliases too; every alias is stored lowercase and matched ignoring case.
"""

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


NEW_LICENSES = [
    # id, title (CKAN's), Chinese title, url, open (CKAN's is_okd_compliant)
    ("odc-by", "Open Data Commons Attribution License", "开放数据共享署名许可 ODC-By",
     "https://opendatacommons.org/licenses/by/1-0/", True),
    ("uk-ogl", "UK Open Government Licence (OGL)", "英国开放政府许可 OGL",
     "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", True),
    ("gfdl", "GNU Free Documentation License", "GNU 自由文档许可证",
     "https://www.gnu.org/licenses/fdl-1.3.html", True),
    ("other-at", "Other (Attribution)", "其他（署名）", None, True),
    ("other-pd", "Other (Public Domain)", "其他（公共领域）", None, True),
    ("cc-nc", "Creative Commons Non-Commercial (Any)", "知识共享非商业性使用（任意版本）",
     "https://creativecommons.org/licenses/by-nc/2.0/", False),
    ("other-nc", "Other (Non-Commercial)", "其他（非商业性使用）", None, False),
    ("notspecified", "License not specified", "未指定许可", None, False),
]

# Open licences first, then the closed ones (license_list keeps this order).
ORDER = [
    "gov-open-data", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "odc-by", "odc-odbl", "odc-pddl",
    "uk-ogl", "gfdl", "other-open", "other-at", "other-pd",
    "cc-nc", "other-nc", "other-closed", "notspecified",
]
OLD_ORDER = [
    "gov-open-data", "cc-by-4.0", "cc-by-sa-4.0", "cc0-1.0", "odc-odbl", "odc-pddl",
    "other-open", "other-closed",
]

ALIASES = {
    # CKAN's default ids (ckan/model/license.py) that name one of ours
    "cc-by": "cc-by-4.0",
    "cc-by-sa": "cc-by-sa-4.0",
    "cc-zero": "cc0-1.0",
    # SPDX ids (spdx.org/licenses); cc-by-4.0, cc-by-sa-4.0 and cc0-1.0 are ours already
    "odbl-1.0": "odc-odbl",
    "pddl-1.0": "odc-pddl",
    "odc-by-1.0": "odc-by",
    "ogl-uk-3.0": "uk-ogl",
    "gfdl-1.3": "gfdl",
    "gfdl-1.3-or-later": "gfdl",
}

license_table = sa.table(
    "license",
    sa.column("id", sa.String),
    sa.column("title", sa.String),
    sa.column("title_zh", sa.String),
    sa.column("url", sa.String),
    sa.column("is_open", sa.Boolean),
    sa.column("position", sa.Integer),
)


def _renumber(order: list[str]) -> None:
    for position, lid in enumerate(order):
        op.execute(
            license_table.update()
            .where(license_table.c.id == lid)
            .values(position=position)
        )


def upgrade() -> None:
    aliases = op.create_table('license_alias',
    sa.Column('alias', sa.String(length=100), nullable=False),
    sa.Column('license_id', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['license_id'], ['license.id'], name=op.f('fk_license_alias_license_id_license'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alias', name=op.f('pk_license_alias'))
    )
    op.create_index(op.f('ix_license_alias_license_id'), 'license_alias', ['license_id'], unique=False)
    existing = {row[0] for row in op.get_bind().execute(sa.select(license_table.c.id))}
    op.bulk_insert(
        license_table,
        [
            {"id": i, "title": t, "title_zh": zh, "url": u, "is_open": o, "position": 0}
            for i, t, zh, u, o in NEW_LICENSES
            if i not in existing  # a site may have added one by hand
        ],
    )
    _renumber(ORDER)
    op.bulk_insert(aliases, [{"alias": a, "license_id": lid} for a, lid in ALIASES.items()])


def downgrade() -> None:
    # Datasets keep their licence ids: a dataset under an added licence then shows the bare id.
    op.drop_index(op.f('ix_license_alias_license_id'), table_name='license_alias')
    op.drop_table('license_alias')
    op.execute(
        license_table.delete().where(license_table.c.id.in_([i for i, *_ in NEW_LICENSES]))
    )
    _renumber(OLD_ORDER)

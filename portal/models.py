"""Every model, imported in one place so Alembic and the app see the whole schema."""

from harvesters.models import (
    HarvestJob,
    HarvestJobError,
    HarvestPage,
    HarvestRecord,
    HarvestSource,
)
from portal.auth.models import ApiToken, User
from portal.catalog.linkcheck_models import LinkCheck
from portal.catalog.models import (
    Activity,
    Dataset,
    Group,
    License,
    LicenseAlias,
    Member,
    Organization,
    PackageMember,
    Resource,
    ResourceView,
    Tag,
    dataset_group,
    dataset_tag,
)
from portal.database import Base
from portal.datastore.models import DatastoreStatus
from portal.privacy.models import PrivacyFinding, PrivacyScreen
from portal.requests.models import DataRequest, DataRequestSupport
from portal.search.models import SearchOutbox
from portal.stats.models import DownloadCount

__all__ = [
    "Activity",
    "ApiToken",
    "Base",
    "DataRequest",
    "DataRequestSupport",
    "Dataset",
    "DatastoreStatus",
    "DownloadCount",
    "Group",
    "HarvestJob",
    "HarvestJobError",
    "HarvestPage",
    "HarvestRecord",
    "HarvestSource",
    "License",
    "LicenseAlias",
    "LinkCheck",
    "Member",
    "PackageMember",
    "Organization",
    "PrivacyFinding",
    "PrivacyScreen",
    "Resource",
    "ResourceView",
    "SearchOutbox",
    "Tag",
    "User",
    "dataset_group",
    "dataset_tag",
]

"""Every model, imported in one place so Alembic and the app see the whole schema."""

from harvesters.models import (
    HarvestJob,
    HarvestJobError,
    HarvestPage,
    HarvestRecord,
    HarvestSource,
)
from portal.access.models import AccessGrant, AccessRequest
from portal.apps.models import ApiCallCount, App
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
from portal.feedback.models import Feedback, FeedbackReply, FeedbackReport, Follow
from portal.privacy.models import PrivacyFinding, PrivacyScreen
from portal.requests.models import DataRequest, DataRequestReport, DataRequestSupport
from portal.reuses.models import Reuse, ReuseDataset, ReuseReport
from portal.search.models import SearchOutbox
from portal.stats.models import DownloadCount

__all__ = [
    "AccessGrant",
    "AccessRequest",
    "Activity",
    "ApiCallCount",
    "ApiToken",
    "App",
    "Base",
    "DataRequest",
    "DataRequestReport",
    "DataRequestSupport",
    "Dataset",
    "DatastoreStatus",
    "DownloadCount",
    "Feedback",
    "FeedbackReply",
    "FeedbackReport",
    "Follow",
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
    "Reuse",
    "ReuseDataset",
    "ReuseReport",
    "ResourceView",
    "SearchOutbox",
    "Tag",
    "User",
    "dataset_group",
    "dataset_tag",
]

-- Version lifecycle (libs/api/lifecycle): indexes for the lists it serves. No new tables: aliases, promotion
-- requests and the tenant policy columns come from 20261127050000_model_versions.

-- promotionRequests(modelId: …): one model's requests, newest first (the pending duplicate check reads it too).
CREATE INDEX "promotion_requests_tenant_model" ON "promotion_requests" ("tenant_id", "model_id", "created_at" DESC);

-- searchModelVersions: versions across models, newest first, keyset on (created_at DESC, id).
CREATE INDEX "model_versions_tenant_created" ON "model_versions" ("tenant_id", "created_at" DESC, "id");

-- The experiment arm and routing model version the router chose a deferred request with, carried
-- into its usage event so that cost-service reports its cost and verdicts under the arm.
alter table batch.deferred_request
    add column experiment text,
    add column arm text,
    add column router_version text;

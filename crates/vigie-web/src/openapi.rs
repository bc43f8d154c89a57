//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{admin, banks, hma, intake, media, platform, system};

#[derive(OpenApi)]
#[openapi(
    info(title = "Vigie", description = "Reporting, delivery and decision of terrorist content, with due process."),
    paths(
        system::healthz,
        system::openapi,
        system::legal_bases,
        system::events,
        system::verify,
        admin::create_org,
        admin::list_orgs,
        admin::create_user,
        admin::issue_token,
        admin::claim_host,
        admin::approve_host,
        admin::list_hosts,
        intake::submit_notice,
        intake::get_notice,
        intake::track_notice,
        intake::submit_referral,
        intake::get_referral,
        intake::submit_order,
        intake::send_advance_notice,
        intake::list_signals,
        platform::inbox,
        platform::get_case,
        platform::acknowledge,
        platform::decide,
        platform::get_order,
        platform::cannot_comply,
        platform::clarify,
        platform::resume,
        platform::register_webhook,
        platform::get_delivery,
        platform::parked,
        media::hma_hash_upload,
        media::hma_hash_url,
        media::hash,
        media::hma_compare,
        banks::create_bank,
        banks::list_banks,
        banks::get_bank,
        banks::update_bank,
        banks::delete_bank,
        banks::share_bank,
        banks::unshare_bank,
        banks::add_entry,
        banks::list_entries,
        banks::get_entry,
        banks::update_entry,
        banks::remove_entry,
        banks::give_feedback,
        banks::import_bank,
        banks::export_bank,
        banks::check_upload,
        hma::raw_lookup,
        hma::lookup_get,
        hma::lookup_post,
        hma::index_status,
        hma::list_banks,
        hma::create_bank,
        hma::get_bank,
        hma::update_bank,
        hma::delete_bank,
        hma::add_signal,
        hma::add_content,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

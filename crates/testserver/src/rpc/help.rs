//! `help.*`: configuration, callable without a login.

use paperplane_tl::{enums, functions, types};

use super::Context;
use crate::error::ApiResult;

/// `help.getConfig`: this server's DCs (DC 2 first) and Telegram's limits.
pub fn get_config(
    ctx: &mut Context<'_>,
    _: functions::help::GetConfig,
) -> ApiResult<enums::Config> {
    let now = ctx.now();
    let dc_options = ctx
        .shared
        .dcs
        .iter()
        .map(|dc| {
            enums::DcOption::DcOption(types::DcOption {
                ipv6: dc.addr.is_ipv6(),
                media_only: false,
                tcpo_only: false,
                cdn: false,
                r#static: false,
                this_port_only: true,
                id: dc.id,
                ip_address: dc.addr.ip().to_string(),
                port: i32::from(dc.addr.port()),
                secret: None,
            })
        })
        .collect();
    let config = enums::Config::Config(Box::new(types::Config {
        default_p2p_contacts: false,
        preload_featured_stickers: false,
        revoke_pm_inbox: true,
        blocked_mode: false,
        force_try_ipv6: false,
        date: now,
        expires: now + 3600,
        test_mode: true,
        this_dc: ctx.dc_id,
        dc_options,
        dc_txt_domain_name: "localhost".into(),
        chat_size_max: 200,
        megagroup_size_max: 200_000,
        forwarded_count_max: 100,
        online_update_period_ms: 210_000,
        offline_blur_timeout_ms: 5_000,
        offline_idle_timeout_ms: 30_000,
        online_cloud_timeout_ms: 300_000,
        notify_cloud_delay_ms: 30_000,
        notify_default_delay_ms: 1_500,
        push_chat_period_ms: 60_000,
        push_chat_limit: 2,
        edit_time_limit: 172_800,
        revoke_time_limit: i32::MAX,
        revoke_pm_time_limit: i32::MAX,
        rating_e_decay: 2_419_200,
        stickers_recent_limit: 200,
        channels_read_media_period: 604_800,
        tmp_sessions: None,
        call_receive_timeout_ms: 20_000,
        call_ring_timeout_ms: 90_000,
        call_connect_timeout_ms: 30_000,
        call_packet_timeout_ms: 10_000,
        me_url_prefix: "https://t.me/".into(),
        autoupdate_url_prefix: None,
        gif_search_username: None,
        venue_search_username: None,
        img_search_username: None,
        static_maps_provider: None,
        caption_length_max: 1024,
        message_length_max: 4096,
        webfile_dc_id: 4,
        suggested_lang_code: None,
        lang_pack_version: None,
        base_lang_pack_version: None,
        reactions_default: None,
        autologin_token: None,
    }));
    Ok(config)
}

/// `help.getNearestDc`: the DC asked.
pub fn get_nearest_dc(
    ctx: &mut Context<'_>,
    _: functions::help::GetNearestDc,
) -> ApiResult<enums::NearestDc> {
    let dc = enums::NearestDc::NearestDc(types::NearestDc {
        country: "ZZ".into(),
        this_dc: ctx.dc_id,
        nearest_dc: ctx.dc_id,
    });
    Ok(dc)
}

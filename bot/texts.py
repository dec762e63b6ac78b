"""Everything the bot says that is not knowledge, in Simplified Chinese and English."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol, runtime_checkable

Lang = Literal["zh", "en"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")

TEXTS: dict[str, dict[Lang, str]] = {
    "not_found": {
        "zh": "抱歉，这个问题我暂时答不上来。您可以换个说法再问，或者联系人工客服。",
        "en": "Sorry, I don't have an answer to that. Try asking another way, or contact our staff.",
    },
    "did_you_mean": {"zh": "您是不是想问：", "en": "Did you mean:"},
    "unsure": {
        "zh": "这个问题我不太确定您想问哪一项。您是不是想问：",
        "en": "I'm not sure which service you mean. Did you mean:",
    },
    "overview": {
        "zh": "{card}提供以下服务，点按查看详情：",
        "en": "The {card} offers these services; tap one to read more:",
    },
    "not_covered": {
        "zh": "抱歉，服务指南里没有这方面的内容，我无法作答。",
        "en": "Sorry, the service guides don't cover this, so I can't answer it.",
    },
    "not_covered_card": {
        "zh": "关于卡本身的问题（申领、挂失、补办、续期、资格等），请咨询{card}联系部门：{contact}。",
        "en": "For questions about the card itself (applying, loss, renewal, eligibility), contact the {card} "
        "office: {contact}.",
    },
    "not_covered_referral": {
        "zh": "此类问题通常可拨打{referral}咨询。",
        "en": "Questions like this usually go to the {referral} hotline.",
    },
    "not_covered_staff": {
        "zh": "您也可以点“转人工”，由工作人员为您解答。",
        "en": "You can also tap “Ask staff” and our staff will answer you.",
    },
    "quoted_from_guide": {
        "zh": "",
        "en": "The text below is quoted from the Chinese service guide.",
    },
    "follow_up": {"zh": "您还问了：{question}", "en": "You also asked: {question}"},
    "button_follow_up": {"zh": "❓ {question}", "en": "❓ {question}"},
    "source": {"zh": "来源", "en": "Source"},
    "contact": {"zh": "咨询电话", "en": "Phone"},
    "tier_only": {"zh": "【仅限突出贡献优秀企业家】", "en": "[Outstanding Contribution Entrepreneurs only] "},
    "tier_yours": {
        "zh": "⭐ 您的突出贡献优秀企业家待遇：",
        "en": "⭐ Your Outstanding Contribution benefit: ",
    },
    "console_welcome": {
        "zh": "cardbot 控制台（与 Telegram 相同的功能）。直接输入问题；数字打开推荐问题。\n"
        "/card zhangdian|baiyun 选择卡种　/bind [卡号] 绑定卡号　/menu 服务目录　/open 编号 查看条目\n"
        "/good /bad 评价上一个答案　/staff 转人工　/book 预约　/mybookings 我的预约（/change、/cancelbooking 编号）\n"
        "/reminders 提醒（/mute 编号）　/language zh|en　/help　/privacy 隐私说明　/forget 删除我的数据　/quit 退出",
        "en": "cardbot console (the Telegram features). Type a question; a number opens a suggestion.\n"
        "/card zhangdian|baiyun  /bind [number]  /menu  /open ID  /good /bad  /staff  /book  /mybookings  "
        "/change ID  /cancelbooking ID  /reminders  /mute N  /language zh|en  /help  /privacy  /forget  /quit",
    },
    "console_staff_queued": {
        "zh": "已转人工（#{id}），工作人员会在 Telegram 工作群看到并回复。",
        "en": "Passed to staff (#{id}); they will see it in the staff chat.",
    },
    "console_pick_number": {
        "zh": "请输入上面选项的编号。",
        "en": "Please type the number of an option above.",
    },
    "console_nothing_to_rate": {"zh": "还没有可评价或转人工的问题。", "en": "Ask a question first."},
    "console_card_unknown": {"zh": "未知卡种。可选：{cards}", "en": "Unknown card. Choose one of: {cards}"},
    "start": {
        "zh": "您好，{name}！我是持卡人服务助手，可以解答张店区优秀企业家服务保障卡、白云区云聚英才卡的服务问题。"
        "请先选择您的卡：",
        "en": "Hello {name}! I answer questions about the Zhangdian Outstanding Entrepreneur Service Card and the "
        "Baiyun Talent Card. Please choose your card:",
    },
    "card_chosen": {
        "zh": "已选择：<b>{card}</b>。直接输入您的问题即可，例如“体检在哪做”。/menu 浏览全部服务；"
        "/bind 绑定卡号后可预约服务。",
        "en": "Card set: <b>{card}</b>. Just type your question. /menu browses every service; /bind links your "
        "card number (needed for bookings).",
    },
    "choose_card_first": {"zh": "请先选择您的卡：", "en": "Please choose your card first:"},
    "bind_prompt": {"zh": "请发送您的卡号（卡面上的编号）：", "en": "Please send your card number:"},
    "bind_cancelled": {"zh": "已取消绑定。", "en": "Binding cancelled."},
    "bind_ok": {
        "zh": "✅ 绑定成功：{holder}，{card}（{tier}）。",
        "en": "✅ Card linked: {holder}, {card} ({tier}).",
    },
    "bind_wrong": {
        "zh": "卡号不正确，请核对后重新发送（本小时还可尝试 {left} 次）。",
        "en": "That card number is not right. Check it and send it again ({left} tries left this hour).",
    },
    "bind_need_mobile": {
        "zh": "请发送登记的手机号，以确认是您本人：",
        "en": "Please send the mobile number registered with the card, to confirm it is you:",
    },
    "bind_wrong_mobile": {
        "zh": "手机号与登记信息不符，请核对后重新发送（本小时还可尝试 {left} 次）。",
        "en": "That mobile number does not match the registry. Send it again ({left} tries left this hour).",
    },
    "bind_locked": {
        "zh": "尝试次数过多，请 {minutes} 分钟后再试。如有疑问请联系发卡单位。",
        "en": "Too many tries. Please try again in {minutes} minutes.",
    },
    "bind_expired": {"zh": "该卡已于 {date} 过期，无法绑定。", "en": "This card expired on {date}."},
    "bind_taken": {
        "zh": "该卡号已被其他账号绑定。如非本人操作，请联系人工客服核实后解除绑定，再重新绑定。",
        "en": "This card number is already linked to another account. If that was not you, staff can "
        "unlink it after checking; then link it again.",
    },
    "button_cancel": {"zh": "取消", "en": "Cancel"},
    "button_handover": {"zh": "🙋 转人工", "en": "🙋 Ask staff"},
    "button_back": {"zh": "⬅️ 返回目录", "en": "⬅️ Back to menu"},
    "vote_thanks": {"zh": "谢谢您的反馈！", "en": "Thanks for your feedback!"},
    "not_yours": {"zh": "这条内容不属于您。", "en": "That is not yours."},
    "button_stale": {
        "zh": "该按钮已失效或不能在此使用，请重新操作。",
        "en": "This button has expired or does not work here.",
    },
    "gone": {"zh": "该内容已不存在。", "en": "That is no longer available."},
    "handover_sent": {
        "zh": "已转给人工客服，工作人员会尽快在这里回复您（工作时间内1小时内首次响应）。",
        "en": "Passed to our staff; they will reply here (first response within 1 hour in office hours).",
    },
    "handover_unavailable": {
        "zh": "人工客服暂未开通，请拨打答案中的咨询电话。",
        "en": "Staff hand-over is not available; please call the phone number in the answer.",
    },
    "handover_post": {
        "zh": "🙋 转人工 #{id}\n用户：{name}（{card}）\n问题：{question}\n\n请直接回复本消息答复用户。",
        "en": "🙋 Hand-over #{id}\nUser: {name} ({card})\nQuestion: {question}\n\nReply to this message to answer.",
    },
    "handover_repost": {"zh": "⏰ 超过1小时未回复，请尽快处理：", "en": "⏰ No reply for over an hour:"},
    "handover_cut": {"zh": "……（原文共{length}字，过长已截断）", "en": "… (cut: {length} characters in all)"},
    "staff_reply": {"zh": "💬 工作人员回复：\n{text}", "en": "💬 Reply from our staff:\n{text}"},
    "staff_delivered": {"zh": "✅ 已送达用户。", "en": "✅ Delivered."},
    "staff_queued": {
        "zh": "⏳ 暂未送达，系统会自动重试。",
        "en": "⏳ Not delivered yet; it will be retried automatically.",
    },
    "staff_undeliverable": {
        "zh": "⚠️ 无法送达用户（可能已屏蔽机器人），已记录在 /outbox。",
        "en": "⚠️ Cannot reach the user (they may have blocked the bot); listed in /outbox.",
    },
    "staff_only": {"zh": "仅限工作人员操作。", "en": "Staff only."},
    "menu": {"zh": "<b>{card}</b> 服务目录，点按查看：", "en": "<b>{card}</b> services, tap to read:"},
    "menu_children": {"zh": "细分问题：", "en": "More detail:"},
    "help": {
        "zh": "直接输入问题即可，例如“区中医院绿色通道电话”“孩子上学怎么安排”。\n\n{commands}",
        "en": 'Just type a question, e.g. "green channel phone of the TCM hospital".\n\n{commands}',
    },
    "non_text": {
        "zh": "暂时只能看懂文字消息哦，请用文字描述您的问题。",
        "en": "I can only read text for now; please type your question.",
    },
    "privacy": {
        "zh": "<b>我们保存什么、为什么、保存多久</b>\n"
        "• Telegram 编号、名字和语言：用来回复您。\n"
        "• 选择的卡种和绑定的卡号：用来给出对应的服务和预约额度。发卡单位导入的持卡人名册（卡号、姓名、等级、有效期，"
        "可能含手机号）用来核对绑定。\n"
        "• 您提的问题、答案评分和转人工记录：用来改进答案、让工作人员回复您；保存 {days} 天。\n"
        "• 预约：您在预约表单中填写的内容（姓名、联系电话、航班号、车牌号、就诊需求等）会发给工作人员群，"
        "用来安排服务，并用于给您发送提醒。预约结束（服务时间已过、取消或未通过）{days} 天后，这些内容会被删除；"
        "预约编号、类型、时间和状态保留，用于计算每年的使用次数。\n"
        "<b>谁能看到</b>：工作人员群的成员能看到新预约的完整内容和您转人工的问题，工作人员和管理员可导出预约表；"
        "取消、改期和催办通知只含预约编号、类型和时间。"
        "日志中的电话号码、车牌、身份证号和姓名会被遮盖。\n"
        "/forget 可删除您的数据。",
        "en": "<b>What we store, why, and for how long</b>\n"
        "• Your Telegram id, name and language: to reply to you.\n"
        "• Your card and linked card number: for the right services and your booking quota. The issuing "
        "office's registry of holders (card number, name, tier, expiry, perhaps a mobile) checks the link.\n"
        "• Your questions, votes and hand-overs: to improve answers and let staff reply; kept {days} days.\n"
        "• Bookings: what you fill in (names, phone, flight number, plates, what the visit is for) goes to the "
        "staff group to arrange the service, and is used for your reminders. {days} days after a booking has "
        "closed (its time passed, or it was cancelled or rejected) those details are deleted; its number, type, "
        "time and status stay, to count your yearly uses.\n"
        "<b>Who sees it</b>: members of the staff group see new bookings in full and the questions you pass "
        "to them, and staff and admins can export bookings; cancellations, changes and reminders to staff show only the booking number, type and time. "
        "Phones, plates, ID numbers and names are masked in logs.\n"
        "/forget deletes your data.",
    },
    "forget_confirm": {
        "zh": "确定删除您的全部数据（卡号绑定、提问记录、转人工记录）吗？此操作不可恢复。\n"
        "您尚未到期的预约将被取消（会通知工作人员）；已过去的预约只保留卡号、类型和时间（用于年度次数），"
        "姓名、电话、车牌等信息会被删除。",
        "en": "Delete all your data (card link, questions, hand-overs)? This cannot be undone.\n"
        "Your upcoming bookings will be cancelled (staff are told); past bookings keep only the card number, "
        "type and time (for the yearly quota), without names, phones or plates.",
    },
    "forget_yes": {"zh": "确认删除", "en": "Delete"},
    "forget_done": {
        "zh": "已删除您的全部数据，未到期的预约已取消。再次使用请发送 /start。",
        "en": "All your data is deleted and upcoming bookings cancelled. /start to begin again.",
    },
    "staff_forgotten": {
        "zh": "🗑 持卡人已删除个人数据，预约 #{id} 已取消：{what}，时间 {at}。",
        "en": "🗑 The holder deleted their data; booking #{id} is cancelled: {what} at {at}.",
    },
    "forget_kept": {"zh": "已取消，数据未删除。", "en": "Cancelled; nothing deleted."},
    "error": {
        "zh": "抱歉，系统出了点问题，请稍后再试。",
        "en": "Sorry, something went wrong. Please try again later.",
    },
    "undelivered_reply": {"zh": "（未送达的回复，针对：{text}）", "en": "(undelivered reply to: {text})"},
    "outbox_none": {"zh": "没有未能送达的消息。", "en": "No undeliverable messages."},
    "outbox_title": {"zh": "未能送达的消息（最新在前）", "en": "Undeliverable messages (newest first)"},
    "unanswered_none": {
        "zh": "最近 {days} 天没有未解答的问题。",
        "en": "Nothing missed in the last {days} days.",
    },
    "unanswered_title": {
        "zh": "<b>最近 {days} 天未解答的问题</b>（{groups} 组，{count} 条；拒答/不确定/👎）",
        "en": "<b>Missed in the last {days} days</b> ({groups} groups, {count} questions; declined/unsure/👎)",
    },
    "unanswered_group": {
        "zh": "<b>{n}. {count}×</b> {wordings}\n卡：{cards}　{reasons}\n最接近：{closest}",
        "en": "<b>{n}. {count}×</b> {wordings}\nCard: {cards}  {reasons}\nClosest: {closest}",
    },
    "button_handled": {"zh": "✅ {n} 已处理", "en": "✅ {n} handled"},
    "button_add_question": {"zh": "➕ {n} 加为问法", "en": "➕ {n} add as question"},
    "unanswered_marked": {"zh": "已标记为已处理（{count} 条）。", "en": "Marked handled ({count})."},
    "unanswered_gone": {"zh": "该组已处理或已不存在。", "en": "That group is handled or gone."},
    "question_added": {
        "zh": "已把「{question}」加为 {entry} 的问法。",
        "en": "Added “{question}” as a question of {entry}.",
    },
    "kb_installed": {
        "zh": "✅ 知识库已更新（版本 #{version}）。\n{summary}",
        "en": "✅ Knowledge updated (version #{version}).\n{summary}",
    },
    "kb_unchanged": {"zh": "知识库没有变化（版本 #{version}）。", "en": "No change (version #{version})."},
    "kb_invalid": {
        "zh": "❌ 知识文件有 {count} 个问题，未做任何更改（仍使用原版本）：",
        "en": "❌ {count} problem(s) in the knowledge files; nothing changed (the old version stays):",
    },
    "kb_gated": {
        "zh": "⚠️ 这次更改会让 {count} 个回归问题答到别的条目（预期: 原来 → 更改后）：\n{moves}\n\n更改内容：\n{summary}\n\n确认安装吗？",
        "en": "⚠️ This change moves {count} regression question(s) (expected: before → after):\n{moves}\n\nChanges:\n{summary}\n\nInstall it?",
    },
    "button_confirm_install": {"zh": "✅ 确认安装", "en": "✅ Install"},
    "button_cancel_install": {"zh": "❌ 取消", "en": "❌ Cancel"},
    "kb_cancelled": {
        "zh": "已取消，知识库未变（版本 #{version}）。",
        "en": "Cancelled; the knowledge stays at version #{version}.",
    },
    "kb_stale": {
        "zh": "在此期间已安装了别的更改（版本 #{version}），本次更改已作废，请重新上传。",
        "en": "Another change was installed meanwhile (version #{version}); this one is void, please send it again.",
    },
    "kb_nothing_pending": {"zh": "该更改已处理过了。", "en": "That change was already decided."},
    "kb_no_rollback": {"zh": "没有可恢复的上一版本。", "en": "There is no previous version to restore."},
    "kb_rolled_back": {
        "zh": "↩️ 已恢复上一版本（版本 #{version}）。\n{summary}",
        "en": "↩️ Previous version restored (version #{version}).\n{summary}",
    },
    "kb_refused": {"zh": "❌ 无法处理该文件：{reason}", "en": "❌ Cannot use that file: {reason}"},
    "book_needs_card": {
        "zh": "预约服务需要先绑定卡号：请发送 /bind。",
        "en": "Bookings need a linked card number: send /bind.",
    },
    "book_nothing": {
        "zh": "您的卡暂无可在线预约的服务。请直接提问，或点“转人工”联系工作人员。",
        "en": "Your card has no services to book online. Ask a question, or tap “Ask staff”.",
    },
    "book_already": {
        "zh": "该预约已提交，请勿重复操作。/mybookings 查看。",
        "en": "Already submitted. /mybookings",
    },
    "book_expired": {
        "zh": "该预约表单已失效，请发送 /book 重新开始。",
        "en": "That form has expired; /book to start again.",
    },
    "book_busy": {
        "zh": "当前预约人数较多，请稍后再点一次确认。",
        "en": "Busy right now; please tap submit again.",
    },
    "book_submitted": {
        "zh": "✅ 预约 #{id} 已提交，等待工作人员确认，结果会第一时间通知您。",
        "en": "✅ Booking #{id} submitted; staff will confirm it and you will be told here.",
    },
    "book_confirmed": {
        "zh": "✅ 您的预约 #{id}（{what}，{at}）已确认。日历文件见下方。",
        "en": "✅ Booking #{id} ({what}, {at}) is confirmed. Calendar file attached.",
    },
    "book_rejected": {
        "zh": "很抱歉，您的预约 #{id}（{what}，{at}）未能安排。\n原因：{reason}\n处理时间：{decided}\n"
        "您可以发送 /book 另选日期，或致电 {contact} 咨询。",
        "en": "Sorry, booking #{id} ({what}, {at}) could not be arranged.\nReason: {reason}\nDecided: {decided}\n"
        "Send /book to choose another date, or call {contact}.",
    },
    "book_reopened": {
        "zh": "您的预约 #{id} 已恢复为待确认，工作人员确认后会通知您。",
        "en": "Booking #{id} is pending again; you will be told when staff confirm it.",
    },
    "book_card_expired": {
        "zh": "您绑定的卡已于 {date} 到期，暂不能预约。换发新卡后请发送 /bind 绑定新卡号，或联系工作人员。",
        "en": "Your card expired on {date}, so it can't book. Once you have a new card, send /bind with its "
        "number, or ask our staff.",
    },
    "staff_rejected_noted": {
        "zh": "已拒绝预约 #{id}，原因已记录；持卡人将在撤销时限过后收到通知。",
        "en": "Booking #{id} rejected with that reason; the holder is told once the undo window has passed.",
    },
    "staff_undo_late": {"zh": "已超过撤销时限或已撤销。", "en": "Too late to undo, or already undone."},
    "staff_undo_taken": {"zh": "无法撤销：{reason}", "en": "Can't undo: {reason}"},
    "staff_undone": {"zh": "↩️ 已撤销拒绝，预约恢复待确认（{name}）", "en": "↩️ Rejection undone ({name})"},
    "staff_reject_prompt": {
        "zh": "请选择拒绝原因，或直接回复本消息输入原因：",
        "en": "Choose a reason, or reply to this message with your own:",
    },
    "button_undo": {"zh": "↩️ 撤销（{minutes} 分钟内）", "en": "↩️ Undo (within {minutes} min)"},
    "button_confirm_cancel": {"zh": "确认取消 #{id}", "en": "Yes, cancel #{id}"},
    "button_keep": {"zh": "不取消", "en": "Keep it"},
    "cancel_confirm": {
        "zh": "确定取消预约 #{id}（{line}）吗？取消后名额释放，需重新预约。",
        "en": "Cancel booking #{id} ({line})? Its place is released; you would need to book again.",
    },
    "cancel_kept": {"zh": "好的，预约保留。", "en": "OK, the booking stays."},
    "language_choose": {"zh": "请选择语言 / Choose a language:", "en": "Choose a language / 请选择语言:"},
    "card_none": {"zh": "未选择", "en": "none"},
    "language_set": {"zh": "已切换为中文。", "en": "Language set to English."},
    "greeting": {
        "zh": "您好！直接输入您的问题即可，例如“体检在哪做”；/book 预约服务，/help 查看全部功能。",
        "en": "Hello! Just type your question; /book makes a booking, /help lists everything.",
    },
    "thanks": {"zh": "不客气，有需要随时问我。", "en": "You're welcome; ask any time."},
    "acknowledgement": {"zh": "好的，还有问题随时问我。", "en": "OK; ask me anything else any time."},
    "deep_link_unknown": {
        "zh": "这个链接已失效。请选择您的卡：",
        "en": "That link is no longer valid. Please choose your card:",
    },
    "book_form_cancelled": {"zh": "已取消本次预约填写。", "en": "Booking form cancelled."},
    "book_no_form": {
        "zh": "没有正在填写的预约。发送 /book 开始。",
        "en": "No booking in progress. /book to start.",
    },
    "button_book": {"zh": "📅 在线预约", "en": "📅 Book online"},
    "button_back_step": {"zh": "⬅️ 上一步", "en": "⬅️ Back"},
    "button_cancel_booking": {"zh": "取消预约 #{id}", "en": "Cancel #{id}"},
    "button_change_booking": {"zh": "改期 #{id}", "en": "Change #{id}"},
    "mybookings_none": {
        "zh": "您还没有预约。发送 /book 预约服务。",
        "en": "No bookings yet. /book to make one.",
    },
    "mybookings_title": {"zh": "<b>我的预约</b>", "en": "<b>My bookings</b>"},
    "booking_cancelled": {"zh": "预约 #{id} 已取消。", "en": "Booking #{id} is cancelled."},
    "booking_not_cancellable": {
        "zh": "该预约无法取消（已结束或不属于您）。发送 /mybookings 查看您的预约。",
        "en": "That booking cannot be cancelled. /mybookings lists yours.",
    },
    "staff_confirmed_heading": {"zh": "✅ 已确认", "en": "✅ Confirmed"},
    "staff_rejected_heading": {"zh": "❌ 已拒绝：{reason}", "en": "❌ Rejected: {reason}"},
    "staff_decided": {"zh": "{heading}（{name}）", "en": "{heading} ({name})"},
    "staff_reject_why": {"zh": "请选择拒绝原因：", "en": "Choose a reason:"},
    "staff_already": {"zh": "该预约已处理过了。", "en": "Already decided."},
    "stats_title": {
        "zh": "📊 统计 {first} 至 {last}（{days} 天）",
        "en": "📊 Statistics {first} to {last} ({days} days)",
    },
    "stats_questions": {
        "zh": "问题 {total}：已回答 {answered}（{answered_share}）· 不确定 {unsure}（{unsure_share}）"
        "· 未回答 {declined}（{declined_share}）",
        "en": "Questions {total}: answered {answered} ({answered_share}) · unsure {unsure} ({unsure_share}) "
        "· declined {declined} ({declined_share})",
    },
    "stats_votes": {"zh": "评价：👍 {up} · 👎 {down}", "en": "Votes: 👍 {up} · 👎 {down}"},
    "stats_handovers": {
        "zh": "转人工 {total}：已回复 {replied}，1小时内首次回复 {within}/{due}（{share}）",
        "en": "Hand-overs {total}: replied {replied}, first reply within 1 hour {within}/{due} ({share})",
    },
    "stats_bookings": {"zh": "预约：{bookings}", "en": "Bookings: {bookings}"},
    "stats_reminders": {
        "zh": "提醒（已到期 {due}）：已发送 {sent} · 已放弃 {dropped} · 未送达 {late}",
        "en": "Reminders ({due} due): sent {sent} · dropped {dropped} · not delivered {late}",
    },
    "stats_none": {"zh": "无", "en": "none"},
    "stats_usage": {
        "zh": "用法：/stats [7d|30d]（默认 7 天）",
        "en": "Usage: /stats [7d|30d] (7 days by default)",
    },
    "status_pending": {"zh": "待确认", "en": "pending"},
    "status_confirmed": {"zh": "已确认", "en": "confirmed"},
    "status_rejected": {"zh": "未通过", "en": "rejected"},
    "status_cancelled": {"zh": "已取消", "en": "cancelled"},
    "reminder": {"zh": "⏰ 预约提醒 #{id}：{what}，时间 {at}。", "en": "⏰ Reminder #{id}: {what} at {at}."},
    "reminder_point": {"zh": "服务地点：{point}（请按时到达报到）", "en": "Report to: {point}"},
    "reminder_phone": {"zh": "服务专员：{name}，电话 {phone}", "en": "Service specialist: {name}, {phone}"},
    "reminder_changes": {"zh": "如需变更或取消：{contact}", "en": "Changes or cancellation: {contact}"},
    "reminders_none": {"zh": "暂无待发送的提醒。", "en": "No upcoming reminders."},
    "reminders_title": {"zh": "<b>即将发送的提醒</b>", "en": "<b>Upcoming reminders</b>"},
    "button_mute": {"zh": "🔕 关闭 {at} 的提醒", "en": "🔕 Mute {at}"},
    "reminder_muted": {"zh": "已关闭该提醒。", "en": "Reminder muted."},
    "agenda_title": {"zh": "📋 今日预约（{day}）", "en": "📋 Today's bookings ({day})"},
    "agenda_day_title": {"zh": "📋 {day} 的预约", "en": "📋 Bookings on {day}"},
    "agenda_day_none": {"zh": "📋 {day} 无预约。", "en": "📋 No bookings on {day}."},
    "agenda_usage": {"zh": "用法：/agenda [日期，如 2026-11-24 或 明天]", "en": "Usage: /agenda [date]"},
    "pending_title": {
        "zh": "⏳ 待确认的预约（{count}）",
        "en": "⏳ Bookings waiting for a decision ({count})",
    },
    "pending_none": {"zh": "没有待确认的预约。", "en": "No bookings are waiting for a decision."},
    "unbound_notice": {
        "zh": "您的账号与卡号 {number} 的绑定已由工作人员解除。如有疑问请联系人工客服；"
        "如确为本人，可发送 /bind 重新绑定。",
        "en": "Staff have unlinked card number {number} from your account. Contact staff with any question; "
        "if the card is yours, send /bind to link it again.",
    },
    "unbind_usage": {"zh": "用法：/unbind 卡号", "en": "Usage: /unbind CARD_NUMBER"},
    "unbind_done": {
        "zh": "已解除卡号 {number} 的绑定（用户 {user}），并已通知该用户。",
        "en": "Card number {number} unlinked from user {user}, who has been told.",
    },
    "unbind_none": {
        "zh": "卡号 {number} 当前没有绑定任何账号。",
        "en": "Card number {number} is not linked.",
    },
    "admin_only": {"zh": "仅限管理员操作。", "en": "Admins only."},
    "export_usage": {
        "zh": "用法：/export [开始日期] [结束日期]（如 2026-11-01 2026-11-30；不填则导出全部）",
        "en": "Usage: /export [from] [to] (e.g. 2026-11-01 2026-11-30; none: every booking)",
    },
    "export_caption": {"zh": "预约导出：{count} 条（{span}）", "en": "Bookings export: {count} ({span})"},
    "export_all": {"zh": "全部", "en": "all"},
    "export_column_id": {"zh": "编号", "en": "No."},
    "export_column_type": {"zh": "服务", "en": "Service"},
    "export_column_kind": {"zh": "类别", "en": "Kind"},
    "export_column_status": {"zh": "状态", "en": "Status"},
    "export_column_starts_at": {"zh": "预约时间", "en": "Appointment"},
    "export_column_card_number": {"zh": "卡号", "en": "Card number"},
    "export_column_holder_name": {"zh": "持卡人", "en": "Card holder"},
    "export_column_user_id": {"zh": "Telegram 用户", "en": "Telegram user"},
    "export_column_reason": {"zh": "原因", "en": "Reason"},
    "export_column_created_at": {"zh": "提交时间", "en": "Submitted"},
    "export_column_decided_at": {"zh": "处理时间", "en": "Decided"},
    "registry_imported": {
        "zh": "✅ 持卡人名单已导入：{count} 条（{encoding}）。",
        "en": "✅ Card-holder registry imported: {count} rows ({encoding}).",
    },
    "registry_rejected": {
        "zh": "❌ 名单有 {count} 个问题，未导入任何数据：",
        "en": "❌ The registry has {count} problem(s); nothing was imported:",
    },
    "registry_more": {"zh": "……另有 {count} 个问题", "en": "… and {count} more"},
    "registry_unreadable": {"zh": "❌ 无法读取该文件：{error}", "en": "❌ Cannot read that file: {error}"},
    "registry_too_big": {
        "zh": "❌ 文件过大（上限 {mb} MB），未导入。",
        "en": "❌ The file is too big (at most {mb} MB); nothing imported.",
    },
    "agenda_none": {"zh": "📋 今日（{day}）无预约。", "en": "📋 No bookings today ({day})."},
    "staff_waiting": {"zh": "⏰ 以下预约超过1小时未处理", "en": "⏰ Pending for over an hour"},
    "form_quota": {"zh": "（本年度已使用 {used}/{quota} 次）", "en": " (used {used}/{quota} this year)"},
    "form_quota_year": {
        "zh": "（{year} 年已使用 {used}/{quota} 次）",
        "en": " (used {used}/{quota} in {year})",
    },
    "form_choose_type": {"zh": "请选择预约服务：", "en": "Choose a service to book:"},
    "form_choose_hospital": {"zh": "请选择医院：", "en": "Choose the hospital:"},
    "form_choose_kind": {"zh": "请选择服务类型：", "en": "Choose the service:"},
    "form_choose_slot": {"zh": "{day}，请选择时段：", "en": "{day}: choose a time:"},
    "form_type_flight_time": {
        "zh": "{day}，请输入航班起飞/抵达时间（如 14:30、下午3点）：",
        "en": "{day}: type the flight's departure/arrival time (e.g. 14:30, 3pm):",
    },
    "form_submit": {"zh": "✅ 确认提交", "en": "✅ Submit"},
    "form_edit_prefilled": {"zh": "✏️ 修改预填信息", "en": "✏️ Change the filled-in details"},
    "form_submit_question": {"zh": "确认提交吗？", "en": "Submit this booking?"},
    "value_yes": {"zh": "是", "en": "yes"},
    "value_no": {"zh": "否", "en": "no"},
    "value_none": {"zh": "无", "en": "none"},
    "yes": {"zh": "是", "en": "Yes"},
    "no": {"zh": "否", "en": "No"},
    "form_count_field": {"zh": "{label}（点选或输入数字）：", "en": "{label} (tap or type a number):"},
    "form_yes_no_field": {"zh": "{label}？", "en": "{label}?"},
    "form_names_hint": {"zh": "（共 {count} 个，用逗号或顿号隔开）", "en": " ({count}, separated by commas)"},
    "form_optional_hint": {"zh": "（没有请输入“无”）", "en": " (type “none” if there is none)"},
    "form_type_field": {"zh": "请输入{label}{hint}：", "en": "{label}{hint}:"},
    "form_time_line": {"zh": "时间：{day} {at}", "en": "Time: {day} {at}"},
    "form_service_point": {"zh": "服务地点：{point}", "en": "Service point: {point}"},
    "form_prefilled": {"zh": "（已预填）", "en": " (filled in)"},
    "form_echo": {"zh": "✓ {label}：{value}", "en": "✓ {label}: {value}"},  # the answer as the form read it
    "form_date": {"zh": "日期", "en": "Date"},
    "form_time": {"zh": "时间", "en": "Time"},
    "next_quota": {
        "zh": "如需更改已有预约，请用 /mybookings；其他需要请致电客服：{contact}。",
        "en": " To change an existing booking use /mybookings; for anything else call {contact}.",
    },
    "day_full": {
        "zh": "这一天已约满。请返回选择其他日期，或直接致电医院绿色通道：{phone}。",
        "en": "That day is full. Go back and choose another date, or call the green channel: {phone}.",
    },
    "no_days": {
        "zh": "近期没有可预约的日期。请致电客服：{contact}，或联系工作人员（直接提问后点“转人工”）。",
        "en": "No bookable dates at the moment. Please call {contact}, or ask our staff (ask a question, "
        "then tap “Ask staff”).",
    },
    "calendar_heading": {
        "zh": "📅 {year}年{month}月：请选择日期",
        "en": "📅 {year}-{month:02d}: choose a date",
    },
    "calendar_hint": {
        "zh": "也可以直接输入，如 明天下午3点、12月5日、下周三、2026-12-05 15:30。",
        "en": "Or type it: “tomorrow 3pm”, “Dec 5”, “next Friday”, “2026-12-05 15:30”.",
    },
    "button_expired": {
        "zh": "这个按钮已失效，请用最新的预约消息操作。",
        "en": "That button has expired; please use the latest booking message.",
    },
    "day_not_bookable": {"zh": "这一天不可预约。", "en": "That day can't be booked."},
    "date_first": {"zh": "请先选择或输入日期。", "en": "Please choose or type the date first."},
    "slot_taken": {
        "zh": "这个时段已约满或不可预约，请选择下面的其他时段。",
        "en": "That time is full or not offered; please choose one of the times below.",
    },
    "quota_year_used": {
        "zh": "{year} 年的预约次数已用完，请选择其他年份的日期，或致电客服：{contact}。",
        "en": "The uses for {year} are used up; choose a date in another year, or call {contact}.",
    },
    "too_far": {
        "zh": "最多可提前 {days} 天预约，请选择 {last} 之前的日期。",
        "en": "Bookings open {days} days ahead at most; choose a date up to {last}.",
    },
    "day_closed": {
        "zh": "{day} 不可预约（不开放或已约满），请在日历中选择其他日期。",
        "en": "{day} can't be booked (closed or full); please choose another day in the calendar.",
    },
    "count_too_small": {"zh": "至少为 {least}，请重新输入。", "en": "At least {least}, please."},
    "count_mismatch": {
        "zh": "人数是 {expected}，请输入 {expected} 个（您输入了 {given} 个），用逗号或顿号隔开。",
        "en": "The count is {expected}: please type {expected} (you typed {given}), separated by commas.",
    },
    "use_buttons": {"zh": "请点选上面的按钮。", "en": "Please tap one of the buttons above."},
    "field_line": {"zh": "{label}：{value}", "en": "{label}: {value}"},
    "staff_new": {"zh": "新预约", "en": "New booking"},
    "staff_changed": {
        "zh": "预约已改期为 #{id}，原预约取消",
        "en": "Changed to #{id}; this booking is cancelled",
    },
    "staff_cancelled": {"zh": "持卡人取消预约", "en": "Cancelled by the holder"},
    "staff_card_holder": {"zh": "{name}（{card}）", "en": "{name} ({card})"},
    "staff_card_line": {"zh": "卡号：{card}", "en": "Card: {card}"},
    "staff_reason_line": {"zh": "原因：{reason}", "en": "Reason: {reason}"},
    "button_staff_confirm": {"zh": "✅ 确认", "en": "✅ Confirm"},
    "button_staff_reject": {"zh": "❌ 拒绝", "en": "❌ Reject"},
    "reject_full": {"zh": "该时段已无法安排", "en": "That time can no longer be arranged"},
    "reject_info": {"zh": "预约信息不完整或有误", "en": "The booking details are incomplete or wrong"},
    "reject_other": {"zh": "其他原因，请致电咨询", "en": "Another reason; please call us"},
    # Booking rules (bot.booking.rules) broken by a time.
    "rule_in_past": {
        "zh": "这个时间已经过去了，请选择以后的时间。",
        "en": "That time has passed; please choose a later one.",
    },
    "rule_too_late_slots": {
        "zh": "需至少提前 {hours} 小时预约。当天就医请直接致电{hospital}就医绿色通道：{phone}。",
        "en": "Book at least {hours} hours ahead. For today, call the green channel: {phone}.",
    },
    "rule_too_late_typed": {
        "zh": "{service}须在航班起飞/抵达前 {hours} 小时以前预约，现在已来不及在线预约。"
        "请直接致电客服：{contact}，或改选更晚的航班。",
        "en": "{service} must be booked at least {hours} hours before the flight, so it can no longer be "
        "booked online. Please call {contact}, or choose a later flight.",
    },
    "weekday_range": {"zh": "{first}至{last}", "en": "{first}–{last}"},
    "opening_hours": {"zh": "{days} {periods}", "en": "{days} {periods}"},
    "rule_closed": {
        "zh": "该时间不在服务时间内（{hours}）。",
        "en": "That time is outside opening hours ({hours}).",
    },
    "rule_off_slot": {"zh": "请选择整点或半点的时段。", "en": "Please choose one of the offered slots."},
    "rule_quota": {
        "zh": "本年度 {quota} 次服务已用完。",
        "en": "This year's {quota} uses are used up.",
    },
    "rule_full": {"zh": "该时段已约满，请选择其他时段。", "en": "That slot is full; please choose another."},
    # Values typed into a booking form (bot.booking.fields, bot.booking.when), refused with an example.
    "field_name_digits": {
        "zh": "姓名里不能有数字，请输入如 张三 或 John Smith 的姓名。",
        "en": "A name can't contain digits; please type one like 张三 or John Smith.",
    },
    "field_name_length": {
        "zh": "姓名应为 2–20 个字，请输入如 张三 或 John Smith 的姓名。",
        "en": "A name should be 2–20 characters long; please type one like 张三 or John Smith.",
    },
    "field_name_bad": {
        "zh": "姓名格式不对，请输入 2–20 个字的中文或英文姓名，如 张三 或 John Smith。",
        "en": "That doesn't look like a name; please type a Chinese or English name like 张三 or John Smith.",
    },
    "field_names_none": {
        "zh": "请输入姓名，多人用逗号或顿号隔开，如 张三、李四。",
        "en": "Please type at least one name; separate several with commas, like 张三, 李四.",
    },
    "field_names_too_many": {
        "zh": "最多只能填 {most} 个姓名（您填了 {given} 个），请删减后重新输入，如 张三、李四。",
        "en": "At most {most} names, please (you typed {given}); remove some and type them again, "
        "like 张三, 李四.",
    },
    "field_names_one_bad": {
        "zh": "第 {number} 个姓名“{piece}”有误：{error}",
        "en": "Name {number} (“{piece}”): {error}",
    },
    "field_count_bad": {
        "zh": "请输入 0 到 {most} 之间的整数，如 2。",
        "en": "Please type a whole number from 0 to {most}, like 2.",
    },
    "field_phone_bad": {
        "zh": "电话号码格式不对，请输入 11 位手机号（如 13812345678）或带区号的固定电话（如 020-86132888）。",
        "en": "That doesn't look like a phone number; please type an 11-digit mobile number like "
        "13812345678 or a landline with its area code like 020-86132888.",
    },
    "field_plate_hint": {
        "zh": "请输入如 粤A12345 的车牌（新能源车如 粤AD12345），多辆用逗号隔开；没有车请输入“无”。",
        "en": "please type one like 粤A12345 (new-energy: 粤AD12345), separating several with commas, "
        "or “none” if there is no vehicle.",
    },
    "field_plate_bad": {
        "zh": "车牌“{plate}”格式不对，{hint}",
        "en": "“{plate}” doesn't look like a licence plate; {hint}",
    },
    "field_plate_i_o": {
        "zh": "车牌“{plate}”里不会有字母 I 或 O，可能是数字 1 或 0，请检查后重新输入，如 粤A12345。",
        "en": "A plate can't contain the letters I or O (“{plate}”) — perhaps the digits 1 or 0? "
        "Please check and type it like 粤A12345.",
    },
    "field_plates_none": {"zh": "请输入车牌号，{hint}", "en": "Please type a plate number; {hint}"},
    "field_plates_too_many": {
        "zh": "最多只能填 {most} 个车牌（您填了 {given} 个），请删减后重新输入，如 粤A12345。",
        "en": "At most {most} plates, please (you typed {given}); remove some and type them again, "
        "like 粤A12345.",
    },
    "field_flight_bad": {
        "zh": "航班号格式不对，请输入如 CZ3101 的航班号。",
        "en": "That doesn't look like a flight number; please type one like CZ3101.",
    },
    "field_time_bad": {
        "zh": "时间格式不对，请输入如 14:30 的时间。",
        "en": "That doesn't look like a time; please type one like 14:30.",
    },
    "field_time_impossible": {
        "zh": "没有这个时间（小时 0–23，分钟 0–59），请输入如 14:30 的时间。",
        "en": "That time doesn't exist (hours 0–23, minutes 0–59); please type one like 14:30.",
    },
    "field_date_bad": {
        "zh": "日期格式不对，请输入如 2026-12-01 或 12月1日 的日期。",
        "en": "That doesn't look like a date; please type one like 2026-12-01 or 12/1 (month/day).",
    },
    "field_date_impossible": {
        "zh": "没有{year}年{month}月{day}日这一天，请检查后重新输入，如 2026-12-01 或 12月1日。",
        "en": "There is no such date as {year}-{month:02d}-{day:02d}; please check it and type one like "
        "2026-12-01 or 12/1.",
    },
    "field_date_impossible_no_year": {
        "zh": "没有{month}月{day}日这一天，请检查后重新输入，如 2026-12-01 或 12月1日。",
        "en": "There is no such date as {month}/{day}; please check it and type one like 2026-12-01 or 12/1.",
    },
    "field_yes_no": {"zh": "请回答“是”或“否”。", "en": "Please answer “yes” or “no”."},
    "field_text_empty": {
        "zh": "请输入内容（1–200 个字），如 需要轮椅。",
        "en": "Please type something (1–200 characters), like “needs a wheelchair”.",
    },
    "field_text_too_long": {
        "zh": "内容太长了（{length} 个字），请控制在 200 字以内。",
        "en": "That's too long ({length} characters); please keep it within 200.",
    },
    "when_no_such_day": {
        "zh": "没有这一天，请检查后重新输入，如 12月5日、下周三 或 2026-12-05。",
        "en": "There is no such date; please check it and type one like Dec 5, next Friday or 2026-12-05.",
    },
    "when_unreadable": {
        "zh": "没看懂这个日期或时间，请输入如 明天下午3点、12月5日、下周三 或 2026-12-05 15:30。",
        "en": "I couldn't read that date or time; try “tomorrow 3pm”, “Dec 5”, “next Friday” "
        "or “2026-12-05 15:30”.",
    },
    "when_past": {
        "zh": "{day} 已经过去了，请选择今天以后的日期。",
        "en": "{day} has passed; please choose a later date.",
    },
    "command_start": {"zh": "选择卡种", "en": "Choose your card"},
    "command_menu": {"zh": "浏览服务目录", "en": "Browse services"},
    "command_bind": {"zh": "绑定卡号", "en": "Link your card number"},
    "command_book": {"zh": "预约服务（接送机、就医）", "en": "Book a service"},
    "command_mybookings": {"zh": "我的预约", "en": "My bookings"},
    "command_reminders": {"zh": "预约提醒", "en": "Reminders"},
    "command_language": {"zh": "切换语言 中文/English", "en": "Language 中文/English"},
    "command_help": {"zh": "帮助", "en": "Help"},
    "command_privacy": {"zh": "隐私说明", "en": "What we store"},
    "command_forget": {"zh": "删除我的数据", "en": "Delete my data"},
    "command_unanswered": {"zh": "用户没得到答案的问题（7d 或 30d）", "en": "What users missed (7d or 30d)"},
    "command_reload": {"zh": "重新读取知识目录", "en": "Reload the knowledge folder"},
    "command_rollback": {"zh": "恢复上一版知识库", "en": "Restore the previous knowledge"},
    "command_stats": {"zh": "统计图表（7d 或 30d）", "en": "Statistics chart (7d or 30d)"},
    "command_outbox": {"zh": "未能送达的消息", "en": "Undeliverable messages"},
    "command_agenda": {"zh": "某日预约（默认今天）", "en": "Bookings of a day (today by default)"},
    "command_pending": {"zh": "待确认的预约", "en": "Bookings waiting for a decision"},
    "command_export": {"zh": "导出预约（Excel）", "en": "Export bookings (Excel)"},
    "command_unbind": {"zh": "解除卡号绑定", "en": "Unlink a card number"},
    "no_token": {
        "zh": "未设置 TELEGRAM_BOT_TOKEN。获取方法：在 Telegram 里找 @BotFather，发送 /newbot，按提示起名，"
        "把得到的 token 写进 .env（参见 .env.example）。现在先进入控制台对话：",
        "en": "TELEGRAM_BOT_TOKEN is not set. To get one, message @BotFather on Telegram, send /newbot, "
        "follow the prompts and put the token in .env (see .env.example). Starting the console chat instead:",
    },
}


LANGUAGE_NAMES: dict[Lang, str] = {"zh": "中文", "en": "English"}  # each in its own language, for the picker
WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
LIST_SEPARATOR: dict[Lang, str] = {"zh": "、", "en": ", "}
REJECT_REASONS = ("full", "info", "other")  # the preset reasons staff pick for ❌: TEXTS "reject_<code>"


@runtime_checkable
class Localized(Protocol):
    """Anything that can be said in either language (a Text, a knowledge Label)."""

    def of(self, lang: Lang) -> str: ...


@dataclass(frozen=True)
class Text:
    """A message not yet in a language: a TEXTS key and its values. The domain returns these; whoever
    shows one knows the reader's language. A value may itself be Localized (a nested message, a title)."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)

    def of(self, lang: Lang) -> str:
        values = {k: v.of(lang) if isinstance(v, Localized) else v for k, v in self.values.items()}
        return t(self.key, lang, **values)


@dataclass(frozen=True)
class Weekday:
    """A day of the week by its ISO number (Monday 1 .. Sunday 7)."""

    number: int

    def of(self, lang: Lang) -> str:
        return WEEKDAYS[lang][self.number - 1]


@dataclass(frozen=True)
class Listed:
    """Several things said as one list: 甲、乙 in Chinese, "A, B" in English."""

    items: tuple[Localized | str, ...]

    def of(self, lang: Lang) -> str:
        return LIST_SEPARATOR[lang].join(i.of(lang) if isinstance(i, Localized) else i for i in self.items)


def weekday_name(day: date, lang: Lang) -> str:
    return Weekday(day.isoweekday()).of(lang)


def t(key: str, lang: Lang, **values: object) -> str:
    text = TEXTS[key][lang]
    return text.format(**values) if values else text


def language_of(question: str) -> Lang:
    """English for a question written only in Latin letters; Chinese otherwise."""
    return "en" if _LATIN.search(question) and not _CJK.search(question) else "zh"

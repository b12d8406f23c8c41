/** `ftp/*.cgi` (spec §7.20, responses are our choice) and `vouchers/*.cgi` (spec §7.21). */
import { z } from "zod";
import { type ApiRoute, accountOf } from "../context.js";
import { ApiError, KO } from "../http.js";
import { int, parse, resolveFolder } from "./common.js";

const ftpProcess: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(_ctx, call) {
    accountOf(call);
    return { status: "OK", message: "Processing request sent" };
  },
};

const ftpUsersLs: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const data = ctx.store.ftpUsers(account.email).map((u) => ({ user: u.user, folder_id: u.folder }));
    return { status: "OK", count: data.length, data };
  },
};

const ftpUsersAdd: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(
      z.object({ user: z.string().min(1).max(64), pass: z.string().min(1), folder_id: int.optional() }),
      call.body,
    );
    if (!/^[A-Za-z0-9_.-]+$/.test(b.user)) throw KO.invalidName();
    if (b.pass.length < 6) throw KO.invalidPassword();
    const folder = resolveFolder(ctx, account, b.folder_id ?? 0, undefined);
    if (!ctx.store.addFtpUser(account.email, b.user, b.pass, folder.id)) throw KO.ftpUserExists();
    return { status: "OK", message: "" };
  },
};

const ftpUsersRm: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(z.object({ user: z.string() }), call.body);
    if (!ctx.store.removeFtpUser(account.email, b.user)) throw KO.ftpUserNotFound();
    return { status: "OK", message: "" };
  },
};

const vouchersLs: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const data = ctx.store.vouchers(account.email).map((v) => ({ voucher: v.code, service: v.service }));
    return { status: "OK", count: data.length, data };
  },
};

const vouchersCheck: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    accountOf(call);
    const b = parse(z.object({ voucher: z.string() }), call.body);
    const v = ctx.store.voucher(b.voucher);
    if (!v || v.used_by) throw KO.voucherNotFound();
    return { status: "OK", service: v.service };
  },
};

const vouchersUse: ApiRoute = {
  methods: ["POST"],
  auth: "required",
  handle(ctx, call) {
    const account = accountOf(call);
    const b = parse(z.object({ voucher: z.string(), user_email: z.string().optional() }), call.body);
    const v = ctx.store.voucher(b.voucher);
    if (!v || v.used_by) throw KO.voucherNotFound();
    const email = b.user_email ?? account.email;
    if (!ctx.store.account(email)) throw new ApiError(404, "No such user #93");
    ctx.store.useVoucher(v.code, email);
    return { status: "OK", message: `Voucher applied to ${email}` };
  },
};

/** FTP and voucher routes. */
export const miscRoutes: Record<string, ApiRoute> = {
  "ftp/process.cgi": ftpProcess,
  "ftp/users/ls.cgi": ftpUsersLs,
  "ftp/users/add.cgi": ftpUsersAdd,
  "ftp/users/rm.cgi": ftpUsersRm,
  "vouchers/ls.cgi": vouchersLs,
  "vouchers/check.cgi": vouchersCheck,
  "vouchers/use.cgi": vouchersUse,
};

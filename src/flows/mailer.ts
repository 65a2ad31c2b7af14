// Sending e-mail with nodemailer over an instance's SMTP settings. The SMTP host obeys the target address policy:
// it is resolved and checked here, and nodemailer connects to the checked address (TLS still verifies the name).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { AllowList } from '../core/address-policy.ts';
import { classifyAddress, isAddressAllowed } from '../core/address-policy.ts';
import type { EmailSettings } from './email-settings.ts';
import type { MailMessage } from './steps/index.ts';
import { StepError } from './steps/index.ts';

/** Resolves the SMTP host and returns an allowed address to connect to; throws StepError('TargetRefused') if not. */
export async function checkedSmtpAddress(host: string, allow: AllowList): Promise<string> {
  const addresses = isIP(host)
    ? [{ address: host }]
    : await lookup(host, { all: true }).catch((err: Error) => {
        throw new StepError('ConnectionFailed', `cannot resolve SMTP host ${host}: ${err.message}`);
      });
  const refused = addresses.find((a) => !isAddressAllowed(a.address, allow));
  if (refused)
    throw new StepError(
      'TargetRefused',
      `SMTP host ${host} is ${classifyAddress(refused.address)} (${refused.address}); allow it with INSIGHTFLOW_ALLOWED_TARGETS`,
    );
  return (addresses[0] as { address: string }).address;
}

export function createMailer(settings: EmailSettings, allow: AllowList) {
  return async (msg: MailMessage): Promise<{ messageId: string; accepted: string[] }> => {
    const address = await checkedSmtpAddress(settings.host, allow);
    const transport = nodemailer.createTransport({
      host: address,
      port: settings.port,
      secure: settings.secure,
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
      tls: { servername: isIP(settings.host) ? undefined : settings.host },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    try {
      const info = await transport.sendMail({
        from: settings.from,
        to: msg.to,
        ...(msg.cc ? { cc: msg.cc } : {}),
        subject: msg.subject,
        text: msg.text,
        ...(msg.html ? { html: msg.html } : {}),
      });
      const accepted = info.accepted as Array<string | { address: string }>;
      return { messageId: info.messageId, accepted: accepted.map((a) => (typeof a === 'string' ? a : a.address)) };
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      const permanent = e.responseCode !== undefined && e.responseCode >= 500;
      throw new StepError(permanent ? 'SmtpRejected' : 'SmtpFailed', `SMTP: ${e.message}`);
    } finally {
      transport.close();
    }
  };
}

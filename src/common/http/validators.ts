import { ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { isSupportedCountry } from 'libphonenumber-js';

@ValidatorConstraint({ name: 'isPhoneRegion' })
export class IsPhoneRegion implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && /^[A-Z]{2}$/.test(value) && isSupportedCountry(value);
  }

  defaultMessage(): string {
    return 'must be an ISO 3166-1 alpha-2 region with phone numbering (e.g. US, JP, GB)';
  }
}

const TIME_ZONES = new Set(Intl.supportedValuesOf('timeZone'));

@ValidatorConstraint({ name: 'isTimeZone' })
export class IsTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && (TIME_ZONES.has(value) || value === 'UTC');
  }

  defaultMessage(): string {
    return 'must be an IANA time zone (e.g. Asia/Tokyo, UTC)';
  }
}

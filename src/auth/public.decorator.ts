import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'openvidu:isPublic';
/** Opts a route out of the deny-by-default Basic auth guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

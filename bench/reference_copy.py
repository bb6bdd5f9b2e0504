"""A straight, standalone copy of the reference conditional GAN (no cgan imports), for the speed benchmark.

Generator: [z(100), one-hot(10)] 1x1 -> ConvT 4x4 (512) -> 8x8 (256) -> 16x16 (128) -> 32x32 Tanh.
Discriminator: image + one-hot planes -> nine spectral-norm convs with LeakyReLU(0.2) -> AvgPool(6) -> SN Linear.
BCE-with-logits losses; Adam(2e-4, 0.5, 0.999).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm as SN


class Generator(nn.Module):
    def __init__(self, z_dim=100, num_classes=10, dim=128, channels=1):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(z_dim + num_classes, 4 * dim, 4, 1, 0), nn.BatchNorm2d(4 * dim), nn.ReLU(True),
            nn.ConvTranspose2d(4 * dim, 2 * dim, 4, 2, 1), nn.BatchNorm2d(2 * dim), nn.ReLU(True),
            nn.ConvTranspose2d(2 * dim, dim, 4, 2, 1), nn.BatchNorm2d(dim), nn.ReLU(True),
            nn.ConvTranspose2d(dim, channels, 4, 2, 1), nn.Tanh())

    def forward(self, z, y):
        return self.net(torch.cat([z, y], 1)[:, :, None, None])


class Discriminator(nn.Module):
    def __init__(self, num_classes=10, dim=96, channels=1):
        super().__init__()
        lr = lambda: nn.LeakyReLU(0.2, True)  # noqa: E731
        self.net = nn.Sequential(
            SN(nn.Conv2d(channels + num_classes, dim, 3, 1, 1)), lr(), SN(nn.Conv2d(dim, dim, 3, 1, 1)), lr(),
            SN(nn.Conv2d(dim, dim, 3, 2, 1)), lr(),
            SN(nn.Conv2d(dim, 2 * dim, 3, 1, 1)), lr(), SN(nn.Conv2d(2 * dim, 2 * dim, 3, 1, 1)), lr(),
            SN(nn.Conv2d(2 * dim, 2 * dim, 3, 2, 1)), lr(),
            SN(nn.Conv2d(2 * dim, 2 * dim, 3, 1, 0)), lr(),
            SN(nn.Conv2d(2 * dim, 2 * dim, 1)), lr(), SN(nn.Conv2d(2 * dim, 2 * dim, 1)), lr(),
            nn.AvgPool2d(6))
        self.fc = SN(nn.Linear(2 * dim, 1))

    def forward(self, x, y):
        y = y[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
        return self.fc(self.net(torch.cat([x, y], 1)).flatten(1))


def make_step(batch_size, device="cpu"):
    """Returns a function doing one D and one G update on random 32x32 data, as the reference loop does."""
    G, D = Generator().to(device), Discriminator().to(device)
    opt_g = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch_size, 1, 32, 32, device=device) * 2 - 1
    y = F.one_hot(torch.randint(0, 10, (batch_size,), device=device), 10).float()
    ones, zeros = torch.ones(batch_size, 1, device=device), torch.zeros(batch_size, 1, device=device)

    def step():
        z = torch.randn(batch_size, 100, device=device)
        fake = G(z, y)
        loss_d = F.binary_cross_entropy_with_logits(D(real, y), ones) + \
            F.binary_cross_entropy_with_logits(D(fake.detach(), y), zeros)
        opt_d.zero_grad(); loss_d.backward(); opt_d.step()
        loss_g = F.binary_cross_entropy_with_logits(D(fake, y), ones)
        opt_g.zero_grad(); loss_g.backward(); opt_g.step()

    return step
